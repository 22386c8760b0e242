// The conversation: messages, streamed replies, discreet tool activity, product and
// confirmation cards. One turn streams at a time.

import { api, stream } from "./api.js";
import { confirmationCard, productCards } from "./cards.js";
import { el, humanize } from "./dom.js";

const THREAD_KEY = "domtok.thread";
const CARD_TOOLS = new Set(["search_products", "get_product"]);
const ACTIVITY = {
  search_products: "Searching products",
  get_product: "Reading product details",
  list_categories: "Reading categories",
  view_cart: "Reading your cart",
  add_to_cart: "Adding to your cart",
  set_cart_quantity: "Changing a quantity",
  remove_from_cart: "Removing from your cart",
  clear_cart: "Emptying your cart",
  place_order: "Placing the order",
  list_orders: "Reading your orders",
  get_order: "Reading the order",
  cancel_order: "Cancelling the order",
  get_payment_token: "Preparing the payment",
  pay_order: "Paying",
  list_addresses: "Reading your addresses",
  list_payment_methods: "Reading your payment methods",
};

export const SUGGESTIONS = ["search hiking boots", "show my cart", "checkout", "pay", "my orders"];

export class Chat {
  constructor({ log, form, input, send, onTurnDone, openOrders, openAccount }) {
    Object.assign(this, { log, form, input, sendButton: send, onTurnDone, openOrders, openAccount });
    this.setupNeeded = false;
    this.threadId = sessionStorage.getItem(THREAD_KEY);
    this.busy = false;
    this.followEnd();
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.submit();
      }
    });
  }

  /** Keep the newest message in view while content grows (streaming, cards loading their
   * options), unless the shopper scrolled up to read. */
  followEnd() {
    this.stick = true;
    let queued = false;
    const update = () => {
      this.stick = this.atEnd();
    };
    this.log.addEventListener("scroll", update, { passive: true });
    window.addEventListener("scroll", update, { passive: true });
    new MutationObserver(() => {
      if (!this.stick || queued) return;
      queued = true;
      requestAnimationFrame(() => {
        queued = false;
        this.log.lastElementChild?.scrollIntoView({ block: "end" });
      });
    }).observe(this.log, { childList: true, subtree: true, characterData: true });
  }

  /** Once the chat is on screen: newest message in view, focus where the shopper acts next. */
  reveal() {
    this.stick = true;
    this.log.lastElementChild?.scrollIntoView({ block: "end" });
    const pending = [...this.log.querySelectorAll(".confirm-card:not([data-state]) h3")].pop();
    if (pending) pending.focus({ preventScroll: true });
    else this.input.focus();
  }

  atEnd() {
    const log = this.log;
    if (log.scrollHeight > log.clientHeight + 1) {
      return log.scrollHeight - log.scrollTop - log.clientHeight < 64;
    }
    const page = document.documentElement;
    return window.innerHeight + window.scrollY >= page.scrollHeight - 160;
  }

  setThread(id) {
    this.threadId = id;
    if (id) sessionStorage.setItem(THREAD_KEY, id);
    else sessionStorage.removeItem(THREAD_KEY);
  }

  /** A fresh conversation with a greeting and a few things to try. */
  start(name) {
    this.setThread(null);
    this.log.replaceChildren(this.welcome(name));
  }

  welcome(name) {
    const chips = this.chips("Things to try", SUGGESTIONS.map((text) => [text, () => this.say(text)]));
    const setup = this.setupNeeded
      ? el("p", { class: "setup" }, "Before your first order, add a delivery address and a way to pay. ",
        el("button", { type: "button", class: "link", onclick: () => this.openAccount() }, "Open Account"))
      : null;
    return el(
      "div",
      { class: "msg assistant welcome" },
      el("p", { class: "reply" }, `Hi${name ? ` ${name}` : ""}! I'm DomTok's shopping assistant. `,
        "Ask me for a product and add it from its card. When you check out or pay, I show ",
        "exactly what will happen and wait for your Approve."),
      setup,
      chips,
    );
  }

  /** Show an existing conversation (after a page reload). */
  async restore(name) {
    if (!this.threadId) return this.start(name);
    let thread;
    try {
      thread = await api(`/chat/threads/${encodeURIComponent(this.threadId)}`);
    } catch {
      return this.start(name);
    }
    this.log.replaceChildren(this.welcome(name));
    let turn = null;
    for (const message of thread.messages) {
      if (message.role === "user") {
        this.userBubble(message.content);
        turn = null;
      } else if (message.role === "assistant" && message.content) {
        turn = turn || this.assistantTurn();
        turn.reply.textContent = message.content;
      } else if (message.role === "tool" && CARD_TOOLS.has(message.name) && message.result) {
        turn = turn || this.assistantTurn();
        this.addCards(turn, message.result);
      }
    }
    this.stick = true;
    if (thread.pending_confirmation) {
      this.addConfirmation(turn || this.assistantTurn(), thread.pending_confirmation);
    }
  }

  submit() {
    const text = this.input.value.trim();
    if (!text || this.busy) return;
    this.input.value = "";
    this.say(text);
  }

  async say(text) {
    if (this.busy) return;
    this.userBubble(text);
    const body = { message: text };
    if (this.threadId) body.thread_id = this.threadId;
    await this.run("/chat/stream", body);
  }

  async confirm(pending, approve) {
    if (this.busy) throw new Error("Wait for the current reply to finish, then choose again.");
    const body = { confirmation_id: pending.id, approve };
    const path = `/chat/${encodeURIComponent(this.threadId)}/confirm/stream`;
    await this.run(path, body, true);
  }

  userBubble(text) {
    this.stick = true;
    this.log.append(el("div", { class: "msg user" }, el("p", {}, text)));
  }

  assistantTurn() {
    const summary = el("summary", {}, "Working…");
    const steps = el("ol", { class: "steps" });
    const activity = el("details", { class: "activity", hidden: true }, summary, steps);
    const cards = el("div", { class: "cards" });
    const reply = el("p", { class: "reply" });
    const node = el("div", { class: "msg assistant" }, activity, reply, cards);
    this.log.append(node);
    const products = new Set(); // one card per product per turn (a search, then its details)
    return { node, activity, summary, steps, cards, reply, calls: new Map(), products, streamed: "" };
  }

  async run(path, body, throwOnError = false) {
    this.setBusy(true);
    const turn = this.assistantTurn();
    try {
      await stream(path, body, (name, data) => this.handle(turn, name, data));
    } catch (error) {
      this.fail(turn, error.message);
      if (throwOnError) throw error;
    } finally {
      this.finishActivity(turn);
      this.setBusy(false);
      this.onTurnDone();
      const focused = document.activeElement;
      if (!focused || focused === document.body || focused.disabled) this.input.focus();
    }
  }

  handle(turn, name, data) {
    if (name === "token") {
      turn.streamed += data.text || "";
      turn.reply.textContent = turn.streamed;
    } else if (name === "tool_call") {
      const step = el("li", { "data-state": "running" }, `${ACTIVITY[data.name] || humanize(data.name)}…`);
      turn.calls.set(data.id, { step, name: data.name });
      turn.steps.append(step);
      turn.activity.hidden = false;
      turn.summary.textContent = `${ACTIVITY[data.name] || humanize(data.name)}…`;
    } else if (name === "tool_result") {
      this.toolResult(turn, data);
    } else if (name === "confirmation_required") {
      this.addConfirmation(turn, data);
    } else if (name === "error") {
      this.fail(turn, data.message || "Something went wrong.");
    } else if (name === "done") {
      if (data.thread_id) this.setThread(data.thread_id);
      if (data.reply && !turn.reply.classList.contains("error")) turn.reply.textContent = data.reply;
    }
  }

  toolResult(turn, data) {
    const call = turn.calls.get(data.id) || { step: el("li"), name: data.name };
    const label = ACTIVITY[data.name] || humanize(data.name);
    if (data.error) {
      call.step.dataset.state = "error";
      call.step.textContent = `${label}: ${data.error.message || data.error.code}`;
    } else {
      call.step.dataset.state = "done";
      call.step.textContent = `${label} ✓`;
      if (CARD_TOOLS.has(data.name)) this.addCards(turn, data.result);
      this.nextSteps(turn, data.name, data.result);
    }
  }

  /** After an order is placed or paid, offer the obvious next step. */
  nextSteps(turn, name, order) {
    if (!order || !order.id) return;
    if (name === "place_order" && order.status === "pending_payment") {
      const next = this.chips("Next step", [
        ["Pay now", () => this.say(`pay ${order.id}`)],
        ["View my orders", () => this.openOrders()],
      ]);
      next.firstElementChild.dataset.orderId = order.id;
      next.firstElementChild.setAttribute("aria-label", `Pay order ${order.id} now`);
      turn.cards.append(next);
    } else if (name === "pay_order" || name === "cancel_order") {
      turn.cards.append(this.chips("Next step", [["View my orders", () => this.openOrders()]]));
    }
  }

  chips(label, actions) {
    const group = el("div", { class: "chips", role: "group", "aria-label": label });
    for (const [text, action] of actions) {
      group.append(el("button", { type: "button", class: "chip", onclick: action }, text));
    }
    return group;
  }

  addCards(turn, result) {
    const cards = productCards(result, () => this.onTurnDone(), turn.products);
    if (cards) turn.cards.append(cards);
  }

  addConfirmation(turn, pending) {
    const card = confirmationCard(pending, (approve) => this.confirm(pending, approve));
    turn.cards.append(card);
    card.focusHeading();
  }

  finishActivity(turn) {
    const count = turn.steps.children.length;
    turn.summary.textContent = count === 1 ? "Used 1 tool" : `Used ${count} tools`;
  }

  fail(turn, message) {
    turn.reply.textContent = message;
    turn.reply.classList.add("error");
  }

  setBusy(busy) {
    this.busy = busy;
    this.sendButton.disabled = busy;
    this.log.setAttribute("aria-busy", busy ? "true" : "false");
    for (const chip of this.log.querySelectorAll(".chip")) chip.disabled = busy;
  }
}
