// Product cards (pick options, see price and stock, add to the cart with a click) and the
// confirmation card (the exact summary of a COMMIT call with Approve / Reject).

import { api } from "./api.js";
import { el, humanize, money, optionsText, priceRange, statusLabel, toast } from "./dom.js";

const products = new Map(); // product id -> promise of the full product (variants)

function loadProduct(id) {
  if (!products.has(id)) {
    const request = api(`/products/${encodeURIComponent(id)}`, { auth: false });
    request.catch(() => products.delete(id));
    products.set(id, request);
  }
  return products.get(id);
}

/** Cards for a search page (summaries) or one product (with variants), skipping `seen` ids. */
export function productCards(result, onAdded, seen = new Set()) {
  const all = Array.isArray(result?.items) ? result.items : result?.id ? [result] : [];
  const items = all.filter((item) => !seen.has(item.id));
  for (const item of items) seen.add(item.id);
  if (!items.length) return null;
  const list = el("ul", { class: "product-grid", "aria-label": "Products" });
  for (const item of items) list.append(el("li", {}, productCard(item, onAdded)));
  return list;
}

function productCard(summary, onAdded) {
  const title = el("h3", { class: "product-name", text: summary.name });
  const price = el("p", { class: "price", text: priceRange(summary.min_price, summary.max_price) });
  const stock = el("p", { class: "stock", text: "Loading options…" });
  const choices = el("div", { class: "choices" });
  const add = el("button", { type: "button", class: "primary", disabled: true }, "Add to cart");
  const card = el(
    "article",
    { class: "product-card", "aria-label": summary.name },
    title,
    el("p", { class: "muted", text: summary.category?.name || "" }),
    price,
    choices,
    stock,
    add,
  );
  const ready = summary.variants ? Promise.resolve(summary) : loadProduct(summary.id);
  ready.then(
    (product) => wireVariants(product, { choices, price, stock, add, onAdded }),
    () => {
      stock.textContent = "Could not load this product's options.";
    },
  );
  return card;
}

function wireVariants(product, parts) {
  const { choices, price, stock, add, onAdded } = parts;
  const variants = product.variants || [];
  const keys = Object.keys(product.options || {});
  const selects = {};
  let current = variants.find((v) => v.in_stock) || variants[0];
  for (const key of keys) {
    const id = `opt-${product.id}-${key}-${Math.random().toString(36).slice(2, 7)}`;
    const select = el("select", { id, name: key });
    for (const value of product.options[key]) select.append(el("option", { value }, value));
    select.addEventListener("change", () => {
      current = pick(variants, selects, key) || current;
      show();
    });
    selects[key] = select;
    choices.append(el("label", { for: id }, humanize(key)), select);
  }

  function show() {
    for (const key of keys) if (current) selects[key].value = current.options[key] ?? "";
    if (!current) {
      stock.textContent = "Not sold at the moment.";
      add.disabled = true;
      return;
    }
    price.textContent = money(current.price);
    const left = current.available;
    stock.textContent = !current.in_stock
      ? "Out of stock in this choice"
      : left <= 5
        ? `Only ${left} left`
        : `${left} in stock`;
    stock.dataset.state = current.in_stock ? (left <= 5 ? "low" : "ok") : "out";
    add.disabled = !current.in_stock;
  }

  add.addEventListener("click", async () => {
    const chosen = current;
    add.disabled = true;
    try {
      await api("/cart/items", { method: "POST", body: { variant_id: chosen.id, quantity: 1 } });
      const what = optionsText(chosen.options);
      toast(`Added ${product.name}${what ? ` (${what})` : ""} to your cart.`);
      add.textContent = "Added ✓";
      setTimeout(() => {
        add.textContent = "Add to cart";
      }, 1500);
      onAdded();
    } catch (error) {
      toast(error.message, "error");
    } finally {
      show();
    }
  });
  show();
}

/** The variant matching every select; failing that, one with the value just chosen. */
function pick(variants, selects, changed) {
  const wanted = Object.fromEntries(Object.entries(selects).map(([k, s]) => [k, s.value]));
  const exact = variants.find((v) => Object.entries(wanted).every(([k, x]) => v.options[k] === x));
  if (exact) return exact;
  const near = variants.filter((v) => v.options[changed] === wanted[changed]);
  return near.find((v) => v.in_stock) || near[0];
}

const LABELS = {
  order_id: "Order",
  status: "Status",
  cart_total: "Cart total",
  total: "Order total",
  charge: "Charge",
  amount_paid: "Paid so far",
  refund: "Refund",
  coupon: "Coupon",
  ship_to: "Ship to",
  new_address: "New address",
  payment_method: "Payment method",
  reason: "Reason",
};

/** The confirmation card; onAnswer(approve) returns a promise that settles when done. */
export function confirmationCard(pending, onAnswer) {
  const summary = pending.summary || {};
  const heading = el("h3", { tabindex: "-1", text: summary.action || humanize(pending.tool) });
  const facts = el("dl", { class: "facts" });
  for (const [key, value] of Object.entries(summary)) {
    if (key === "action" || key === "items" || value === null || value === undefined) continue;
    const text = key === "status" ? statusLabel(value) : factText(value);
    facts.append(el("dt", {}, LABELS[key] || humanize(key)), el("dd", {}, text));
  }
  const approve = el("button", { type: "button", class: "primary" }, "Approve");
  const reject = el("button", { type: "button", class: "secondary" }, "Reject");
  const state = el("p", { class: "confirm-state", role: "status" });
  const eyebrow = el("p", { class: "eyebrow", text: "Needs your approval — nothing happens until you choose" });
  const card = el(
    "section",
    { class: "confirm-card", "aria-label": "Confirmation needed" },
    eyebrow,
    heading,
    itemsTable(summary.items),
    facts,
    el("div", { class: "actions", role: "group", "aria-label": "Your decision" }, approve, reject),
    state,
  );
  const answer = async (yes) => {
    approve.disabled = reject.disabled = true;
    state.textContent = yes ? "Approved — working on it…" : "Rejected — nothing was done.";
    card.dataset.state = yes ? "approved" : "rejected";
    eyebrow.textContent = yes ? "You approved this" : "You rejected this";
    try {
      await onAnswer(yes);
      if (yes) state.textContent = "Approved.";
    } catch (error) {
      state.textContent = error.message;
      approve.disabled = reject.disabled = false;
      eyebrow.textContent = "Needs your approval — nothing happens until you choose";
      delete card.dataset.state;
    }
  };
  approve.addEventListener("click", () => answer(true));
  reject.addEventListener("click", () => answer(false));
  // The chat keeps the card in view; focus only moves keyboard and screen-reader users to it.
  card.focusHeading = () => heading.focus({ preventScroll: true });
  return card;
}

function factText(value) {
  if (typeof value !== "object") return String(value);
  if (value.formatted) return value.formatted;
  return Object.values(value).filter(Boolean).join(", ");
}

function itemsTable(items) {
  if (!Array.isArray(items)) return null;
  if (!items.length) return el("p", { class: "muted", text: "No items." });
  const body = el("tbody");
  for (const item of items) {
    const what = optionsText(item.options);
    body.append(
      el(
        "tr",
        {},
        el("td", {}, item.product || item.variant || "", what ? el("small", {}, what) : null),
        el("td", { class: "num" }, item.quantity ?? ""),
        el("td", { class: "num" }, money(item.line_total) || ""),
      ),
    );
  }
  return el(
    "table",
    { class: "items" },
    el("caption", { class: "visually-hidden" }, "Items"),
    el(
      "thead",
      {},
      el("tr", {}, el("th", { scope: "col" }, "Item"), el("th", { scope: "col" }, "Qty"),
        el("th", { scope: "col" }, "Amount")),
    ),
    body,
  );
}
