/* The inbox's conversation page: new turns appear without reloading.
 *
 * Every few seconds while the tab is visible: GET <data-turns-url>?after=<seq>
 *   -> {turns: [{seq, role, who, text, at, delivery}], held_by, can_answer}
 * Progressive enhancement: without this script the page works by reloading. Text is added as text,
 * never as HTML (a person can type "<script>").
 */
(() => {
  "use strict";

  const POLL_MS = 4000;
  const list = document.getElementById("transcript");
  const live = document.getElementById("live-status");
  if (!list || !list.dataset.turnsUrl) return;

  const state = { after: Number(list.dataset.after) || 0, timer: null, busy: false, stale: false };

  function turnNode(turn) {
    const role = ["debtor", "bot", "advisor", "system"].includes(turn.role) ? turn.role : "system";
    const item = document.createElement("li");
    item.className = `turn turn--${role}`;
    item.id = `turn-${turn.seq}`;
    item.dataset.seq = String(turn.seq);
    const meta = document.createElement("p");
    meta.className = "turn__meta";
    const who = document.createElement("span");
    who.className = "turn__who";
    who.textContent = turn.who;
    const at = document.createElement("span");
    at.className = "turn__at";
    at.textContent = turn.at;
    meta.append(who, " ", at);
    if (turn.delivery) {
      const delivery = document.createElement("span");
      delivery.className = "turn__delivery";
      delivery.textContent = turn.delivery;
      meta.append(delivery);
    }
    const text = document.createElement("p");
    text.className = "turn__text";
    text.textContent = turn.text;
    item.append(meta, text);
    return item;
  }

  function atBottom() {
    return list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  }

  function toBottom() {
    list.scrollTop = list.scrollHeight;
  }

  // What the page shows no longer matches the server (taken over by someone, handed back): say so.
  function stale(message) {
    if (state.stale) return;
    state.stale = true;
    live.textContent = `${message} `;
    const link = document.createElement("a");
    link.href = window.location.pathname;
    link.textContent = "Reload the page";
    live.append(link);
    live.classList.add("live--stale");
  }

  function add(turns) {
    const follow = atBottom();
    for (const turn of turns) {
      const seq = Number(turn.seq);
      if (!Number.isInteger(seq) || seq <= state.after) continue;
      const existing = document.getElementById(`turn-${seq}`);
      if (!existing) list.append(turnNode(turn));
      state.after = seq;
    }
    if (follow) toBottom();
  }

  async function poll() {
    state.timer = null;
    if (state.busy || state.stale) return;
    state.busy = true;
    try {
      const response = await fetch(`${list.dataset.turnsUrl}?after=${state.after}`, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        cache: "no-store",
      });
      const json = (response.headers.get("content-type") || "").startsWith("application/json");
      if (response.status === 404) {
        stale("This conversation has left the inbox.");
      } else if (!response.ok || !json || response.redirected) {
        stale("New messages cannot be fetched (your session may have ended).");
      } else {
        const data = await response.json();
        add(Array.isArray(data.turns) ? data.turns : []);
        if ((data.held_by || "") !== (list.dataset.heldBy || "")) {
          stale(data.held_by ? `${data.held_by} holds this conversation now.` : "The conversation went back to the assistant.");
        }
      }
    } catch {
      // Offline for a moment: the next poll tries again.
    } finally {
      state.busy = false;
      schedule(POLL_MS);
    }
  }

  function schedule(delay) {
    clearTimeout(state.timer);
    state.timer = null;
    if (state.stale || document.visibilityState !== "visible") return;
    state.timer = setTimeout(poll, delay);
  }

  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") schedule(0);
    else clearTimeout(state.timer);
  });

  live.textContent = "New messages appear here by themselves.";
  if (!window.location.hash) toBottom();
  schedule(POLL_MS);
})();
