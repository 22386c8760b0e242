// The side panels and views beside the chat: the cart, the order history and the account
// (addresses and payment methods a new shopper needs before a first checkout).

import { api } from "./api.js";
import { clear, el, money, optionsText, statusLabel, toast, when } from "./dom.js";

/** The cart panel; `ask(text)` sends a message to the assistant. */
export class CartPanel {
  constructor(body, count, ask) {
    Object.assign(this, { body, count, ask });
    this.latest = 0;
  }

  async refresh() {
    // Refreshes overlap (a turn ends while a card adds an item): only the newest one renders.
    const request = ++this.latest;
    let cart;
    try {
      cart = await api("/cart");
    } catch (error) {
      if (request === this.latest) clear(this.body, el("p", { class: "error", text: error.message }));
      return;
    }
    if (request !== this.latest) return;
    this.count.textContent = cart.item_count ? `(${cart.item_count})` : "";
    if (!cart.lines.length) {
      clear(this.body, el("p", { class: "muted" }, "Your cart is empty. Add products from the cards in the chat."));
      return;
    }
    const list = el("ul", { class: "cart-lines" });
    for (const line of cart.lines) list.append(this.line(line));
    const checkout = el(
      "button",
      { type: "button", class: "primary wide", onclick: () => this.ask("checkout") },
      "Check out",
    );
    clear(
      this.body,
      list,
      el("p", { class: "total" }, el("span", {}, "Total"), el("strong", {}, money(cart.total))),
      cart.has_issues ? el("p", { class: "error" }, "Some items are short of stock or no longer sold.") : null,
      checkout,
      el("p", { class: "muted small" }, "You will see the order summary and approve it before anything is placed."),
    );
  }

  line(line) {
    const what = optionsText(line.options);
    const name = `${line.product_name}${what ? ` (${what})` : ""}`;
    const problem = line.unavailable
      ? "No longer sold"
      : line.short_of_stock
        ? `Only ${line.available} in stock`
        : "";
    const change = (quantity) => this.update(line.variant_id, quantity);
    return el(
      "li",
      { class: "cart-line" },
      el("div", {}, el("strong", {}, line.product_name), what ? el("small", {}, what) : null,
        problem ? el("small", { class: "error" }, problem) : null),
      el(
        "div",
        { class: "qty", role: "group", "aria-label": `Quantity of ${name}` },
        el("button", { type: "button", "aria-label": `One fewer ${name}`, disabled: line.quantity <= 1,
          onclick: () => change(line.quantity - 1) }, "−"),
        el("span", { "aria-live": "polite" }, String(line.quantity)),
        el("button", { type: "button", "aria-label": `One more ${name}`,
          onclick: () => change(line.quantity + 1) }, "+"),
      ),
      el("span", { class: "num" }, money(line.line_total)),
      el("button", { type: "button", class: "link", "aria-label": `Remove ${name}`,
        onclick: () => this.update(line.variant_id, 0) }, "Remove"),
    );
  }

  async update(variantId, quantity) {
    const path = `/cart/items/${encodeURIComponent(variantId)}`;
    try {
      if (quantity <= 0) await api(path, { method: "DELETE" });
      else await api(path, { method: "PATCH", body: { quantity } });
    } catch (error) {
      toast(error.message, "error");
    }
    await this.refresh();
  }
}

/** The order history; pending orders offer to pay through the assistant. */
export async function renderOrders(container, ask) {
  clear(container, el("p", { class: "muted" }, "Loading your orders…"));
  let page;
  try {
    page = await api("/orders?page_size=20");
  } catch (error) {
    clear(container, el("p", { class: "error", text: error.message }));
    return;
  }
  if (!page.items.length) {
    clear(container, el("p", { class: "muted" }, "No orders yet. Ask the assistant to find something, then check out."));
    return;
  }
  const list = el("ol", { class: "orders" });
  for (const order of page.items) list.append(orderCard(order, ask));
  clear(container, list);
}

function orderCard(order, ask) {
  const lines = el("ul", { class: "order-lines" });
  for (const line of order.lines) {
    const what = optionsText(line.options);
    lines.append(el("li", {}, el("span", {}, `${line.quantity} × ${line.product_name}`,
      what ? el("small", {}, what) : null), el("span", { class: "num" }, money(line.line_total))));
  }
  const pay = order.status === "pending_payment"
    ? el("button", { type: "button", class: "primary", onclick: () => ask(`pay ${order.id}`) }, "Pay with the assistant")
    : null;
  return el(
    "li",
    { class: "order-card", "data-status": order.status },
    el("header", {}, el("h3", {}, `Order ${order.id}`),
      el("span", { class: "badge", "data-status": order.status }, statusLabel(order.status))),
    el("p", { class: "muted" }, `Placed ${when(order.created_at)}`,
      order.paid_at ? ` · paid ${when(order.paid_at)}` : "",
      order.status === "pending_payment" && order.expires_at ? ` · pay before ${when(order.expires_at)}` : ""),
    lines,
    el("p", { class: "total" }, el("span", {}, "Total"), el("strong", {}, money(order.total))),
    pay,
  );
}

/** Addresses and payment methods, with forms to add them. */
export async function renderAccount(container) {
  let addresses;
  let methods;
  try {
    [addresses, methods] = await Promise.all([
      api("/users/me/addresses"),
      api("/users/me/payment-methods"),
    ]);
  } catch (error) {
    clear(container, el("p", { class: "error", text: error.message }));
    return;
  }
  const again = () => renderAccount(container);
  clear(
    container,
    el("h3", {}, "Delivery addresses"),
    addresses.length
      ? el("ul", { class: "plain" }, addresses.map((a) => el("li", {}, addressText(a), a.is_default ? el("span", { class: "badge" }, "default") : null)))
      : el("p", { class: "muted" }, "No address yet: add one to check out."),
    el("details", { open: !addresses.length }, el("summary", {}, "Add an address"), addressForm(again)),
    el("h3", {}, "Payment methods"),
    methods.length
      ? el("ul", { class: "plain" }, methods.map((m) => el("li", {}, m.label)))
      : el("p", { class: "muted" }, "No payment method yet: add one to pay."),
    el("details", { open: !methods.length }, el("summary", {}, "Add a PayPal account"), paypalForm(again)),
  );
}

function addressText(a) {
  return [a.recipient, a.line1, a.line2, a.city, a.state, a.zip, a.country].filter(Boolean).join(", ");
}

function field(form, name, label, attrs = {}) {
  const id = `${form}-${name}`;
  return el("div", { class: "field" }, el("label", { for: id }, label), el("input", { id, name, ...attrs }));
}

function submitter(form, path, toBody, done) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = Object.fromEntries(new FormData(form).entries());
    try {
      await api(path, { method: "POST", body: toBody(data) });
      toast("Saved.");
      done();
    } catch (error) {
      toast(error.message, "error");
    }
  });
  return form;
}

function addressForm(done) {
  const form = el(
    "form",
    { class: "stack", "aria-label": "Add an address" },
    field("adr", "recipient", "Recipient", { required: true, autocomplete: "name", maxlength: 100 }),
    field("adr", "line1", "Street and number", { required: true, autocomplete: "address-line1", maxlength: 200 }),
    field("adr", "line2", "Apartment, suite (optional)", { autocomplete: "address-line2", maxlength: 200 }),
    field("adr", "city", "City", { required: true, autocomplete: "address-level2", maxlength: 100 }),
    field("adr", "state", "State or region (optional)", { autocomplete: "address-level1", maxlength: 100 }),
    field("adr", "zip", "Postcode", { required: true, autocomplete: "postal-code", maxlength: 20 }),
    field("adr", "country", "Country", { required: true, autocomplete: "country-name", maxlength: 60 }),
    el("button", { type: "submit", class: "secondary" }, "Add address"),
  );
  return submitter(form, "/users/me/addresses", (data) => data, done);
}

function paypalForm(done) {
  const form = el(
    "form",
    { class: "stack", "aria-label": "Add a PayPal account" },
    field("pp", "email", "PayPal email", { type: "email", required: true, autocomplete: "email" }),
    el("button", { type: "submit", class: "secondary" }, "Add PayPal"),
  );
  return submitter(form, "/users/me/payment-methods", (data) => ({ type: "paypal", email: data.email }), done);
}
