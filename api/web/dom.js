// Small DOM helpers. Text from the shop (product names, replies) only ever goes in as text,
// never as HTML, so catalog data cannot inject markup or script.

/** el("button", {class: "x", onclick: fn}, "text", child) */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

export function money(value) {
  return value && typeof value === "object" ? value.formatted : value ?? "";
}

export function priceRange(min, max) {
  if (!min) return "";
  if (!max || min.amount === max.amount) return money(min);
  return `${money(min)} – ${money(max)}`;
}

export function optionsText(options) {
  if (!options) return "";
  return Object.entries(options)
    .map(([key, value]) => `${key}: ${Array.isArray(value) ? value.join(" / ") : value}`)
    .join(", ");
}

export function humanize(name) {
  const text = String(name).replace(/_/g, " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function when(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

const STATUS_LABELS = {
  pending_payment: "Waiting for payment",
  paid: "Paid",
  shipped: "Shipped",
  delivered: "Delivered",
  cancelled: "Cancelled",
  expired: "Expired",
  refunded: "Refunded",
};

export function statusLabel(status) {
  return STATUS_LABELS[status] || humanize(status);
}

let toastTimer = null;

/** A short message in the polite status region (also read by screen readers). */
export function toast(message, kind = "info") {
  const box = document.getElementById("toast");
  box.textContent = message;
  box.dataset.kind = kind;
  box.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    box.hidden = true;
  }, 4000);
}
