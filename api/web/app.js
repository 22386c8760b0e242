// The page: sign in or register, then the chat with the cart beside it, orders and account.

import { api, login, logout, onSignOut, register, signedIn } from "./api.js";
import { Chat } from "./chat.js";
import { toast } from "./dom.js";
import { CartPanel, renderAccount, renderOrders } from "./panels.js";

const $ = (id) => document.getElementById(id);
const views = ["chat", "orders", "account"];

let chat;
let cart;
let me = null;

function showAuth(message = "") {
  $("auth-view").hidden = false;
  $("shop-view").hidden = true;
  $("nav").hidden = true;
  $("account-bar").hidden = true;
  $("auth-error").textContent = message;
  $("login-email").focus();
}

async function showShop() {
  let addresses;
  let methods;
  try {
    [me, addresses, methods] = await Promise.all([
      api("/users/me"),
      api("/users/me/addresses"),
      api("/users/me/payment-methods"),
    ]);
  } catch (error) {
    showAuth(error.message);
    return;
  }
  chat.setupNeeded = !addresses.length || !methods.length;
  $("who").textContent = me.name || me.email;
  // The shop appears once the conversation is restored, so nothing typed is wiped by it.
  await Promise.all([chat.restore(firstName()), cart.refresh()]);
  $("auth-view").hidden = true;
  $("shop-view").hidden = false;
  $("nav").hidden = false;
  $("account-bar").hidden = false;
  show("chat");
  chat.reveal();
}

function firstName() {
  return me && me.name ? me.name.split(" ")[0] : "";
}

function show(view) {
  for (const name of views) {
    $(`${name}-view`).hidden = name !== view;
    const tab = $(`nav-${name}`);
    if (name === view) tab.setAttribute("aria-current", "page");
    else tab.removeAttribute("aria-current");
  }
  if (view === "orders") renderOrders($("orders-list"), ask);
  if (view === "account") renderAccount($("account-body"));
}

/** Send a message to the assistant from elsewhere on the page (cart, orders). */
function ask(text) {
  show("chat");
  chat.say(text);
}

function authTabs() {
  const tabs = { login: $("tab-login"), register: $("tab-register") };
  const pick = (name) => {
    for (const [key, tab] of Object.entries(tabs)) {
      const on = key === name;
      tab.setAttribute("aria-selected", String(on));
      tab.tabIndex = on ? 0 : -1;
      $(`${key}-form`).hidden = !on;
    }
    $("auth-error").textContent = "";
  };
  tabs.login.addEventListener("click", () => pick("login"));
  tabs.register.addEventListener("click", () => pick("register"));
  for (const tab of Object.values(tabs)) {
    tab.addEventListener("keydown", (event) => {
      if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") return;
      const next = tab === tabs.login ? "register" : "login";
      pick(next);
      tabs[next].focus();
    });
  }
}

async function guarded(form, action) {
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  $("auth-error").textContent = "";
  try {
    await action();
    form.reset();
    await showShop();
  } catch (error) {
    $("auth-error").textContent = error.message;
  } finally {
    button.disabled = false;
  }
}

function wire() {
  authTabs();
  $("login-form").addEventListener("submit", (event) => {
    event.preventDefault();
    guarded(event.target, () => login($("login-email").value.trim(), $("login-password").value));
  });
  $("register-form").addEventListener("submit", (event) => {
    event.preventDefault();
    guarded(event.target, () =>
      register($("reg-name").value.trim(), $("reg-email").value.trim(), $("reg-password").value),
    );
  });
  $("use-demo").addEventListener("click", () => {
    $("login-email").value = "demo@domtok.local";
    $("login-password").value = "demo-password-123";
    guarded($("login-form"), async () => {
      try {
        await login("demo@domtok.local", "demo-password-123");
      } catch (error) {
        if (error.status !== 401) throw error;
        throw new Error("This shop has no demo account. Load it with `domtok seed --demo`.");
      }
    });
  });
  $("sign-out").addEventListener("click", async () => {
    await logout();
  });
  $("new-chat").addEventListener("click", () => {
    show("chat");
    chat.start(firstName());
    $("composer-input").focus();
  });
  for (const name of views) $(`nav-${name}`).addEventListener("click", () => show(name));
  $("cart-jump").addEventListener("click", () => $("cart").focus());
  onSignOut((reason) => {
    me = null;
    sessionStorage.removeItem("domtok.thread");
    showAuth(reason);
  });
  window.addEventListener("unhandledrejection", (event) => {
    toast(event.reason?.message || "Something went wrong.", "error");
  });
}

chat = new Chat({
  log: $("log"),
  form: $("composer"),
  input: $("composer-input"),
  send: $("send"),
  onTurnDone: () => cart.refresh(),
  openOrders: () => show("orders"),
  openAccount: () => show("account"),
});
cart = new CartPanel($("cart-body"), $("cart-count"), ask);
wire();
if (signedIn()) showShop();
else showAuth();
