/* The debtor's web chat: sends messages to the gateway and shows the conversation.
 *
 * Contract (the gateway implements it):
 *   POST /api/chat/messages {session, text, language}
 *        -> {session, replies: [{seq, role: "bot", text, at}], pending}
 *   GET  /api/chat/messages?session=...&after=<seq> -> {session, turns: [{seq, role, text, at}]}
 *   errors: 4xx/5xx with {detail}
 * The session token lives in sessionStorage: a reload continues the conversation, closing the tab
 * forgets it (the device may be shared). No framework, nothing fetched from elsewhere.
 */
(() => {
  "use strict";

  const API = "/api/chat/messages";
  const POLL_MS = 3000;
  const REQUEST_TIMEOUT_MS = 30000;
  const SESSION_KEY = "collect.chat.session";
  const LANGUAGE_KEY = "collect.chat.language";
  const DEFAULT_COMPANY = "Amicable Recouvrement";
  const LOCALES = { fr: "fr-FR", de: "de-DE", en: "en-GB" };

  const STRINGS = {
    fr: {
      title: "Messagerie",
      subtitle: "Messagerie",
      language: "Langue",
      intro: "Posez vos questions sur votre dossier, proposez un paiement ou signalez une difficulté. " +
        "Un assistant automatique vous répond ; un conseiller peut prendre le relais. " +
        "Avant de parler de votre dossier, nous vérifierons votre identité.",
      conversation: "Conversation",
      empty: "Écrivez votre premier message ci-dessous.",
      compose: "Écrire un message",
      message: "Votre message",
      send: "Envoyer",
      sending: "Envoi…",
      sendingStatus: "Envoi de votre message…",
      hint: "Entrée pour envoyer, Maj + Entrée pour aller à la ligne.",
      privacy: "Cette conversation est enregistrée dans une transcription, conservée pour le suivi de votre dossier.",
      you: "Vous",
      bot: "assistant automatique",
      advisor: "conseiller",
      pending: "Votre message est bien arrivé ; nous vous répondons dès que possible.",
      loading: "Chargement de la conversation…",
      errorNetwork: "Le service ne répond pas. Vérifiez votre connexion puis réessayez : votre message est conservé.",
      errorServer: "Votre message n’a pas pu être envoyé (erreur {code}). Il est conservé : réessayez dans un instant.",
      errorRequest: "Votre message n’a pas été accepté (erreur {code}){detail}. Votre texte est conservé.",
      detailSeparator: " : ",
      errorBusy: "Trop de messages en peu de temps. Patientez un instant puis réessayez : votre message est conservé.",
      errorExpired: "Votre conversation a expiré. Envoyez à nouveau votre message pour en commencer une nouvelle.",
    },
    de: {
      title: "Nachrichten",
      subtitle: "Nachrichten",
      language: "Sprache",
      intro: "Stellen Sie Fragen zu Ihrem Vorgang, schlagen Sie eine Zahlung vor oder teilen Sie uns " +
        "Schwierigkeiten mit. Ein automatischer Assistent antwortet Ihnen; unsere Kundenberatung kann " +
        "übernehmen. Bevor wir über Ihren Vorgang sprechen, prüfen wir Ihre Identität.",
      conversation: "Unterhaltung",
      empty: "Schreiben Sie unten Ihre erste Nachricht.",
      compose: "Nachricht schreiben",
      message: "Ihre Nachricht",
      send: "Senden",
      sending: "Wird gesendet…",
      sendingStatus: "Ihre Nachricht wird gesendet…",
      hint: "Eingabetaste zum Senden, Umschalt + Eingabetaste für eine neue Zeile.",
      privacy: "Dieses Gespräch wird in einem Protokoll aufgezeichnet und zur Bearbeitung Ihres Vorgangs aufbewahrt.",
      you: "Sie",
      bot: "automatischer Assistent",
      advisor: "Kundenberatung",
      pending: "Ihre Nachricht ist angekommen; wir antworten Ihnen so bald wie möglich.",
      loading: "Die Unterhaltung wird geladen…",
      errorNetwork: "Der Dienst ist nicht erreichbar. Prüfen Sie Ihre Verbindung und versuchen Sie es erneut – " +
        "Ihre Nachricht bleibt erhalten.",
      errorServer: "Ihre Nachricht konnte nicht gesendet werden (Fehler {code}). Sie bleibt erhalten – " +
        "bitte versuchen Sie es gleich noch einmal.",
      errorRequest: "Ihre Nachricht wurde nicht angenommen (Fehler {code}){detail}. Ihr Text bleibt erhalten.",
      detailSeparator: ": ",
      errorBusy: "Zu viele Nachrichten in kurzer Zeit. Bitte warten Sie einen Moment und versuchen Sie es " +
        "erneut – Ihre Nachricht bleibt erhalten.",
      errorExpired: "Ihre Unterhaltung ist abgelaufen. Senden Sie Ihre Nachricht erneut, um eine neue zu beginnen.",
    },
    en: {
      title: "Messages",
      subtitle: "Messages",
      language: "Language",
      intro: "Ask about your case, propose a payment or tell us about a difficulty. An automated assistant " +
        "answers you; an advisor can take over. Before discussing your case we will check your identity.",
      conversation: "Conversation",
      empty: "Write your first message below.",
      compose: "Write a message",
      message: "Your message",
      send: "Send",
      sending: "Sending…",
      sendingStatus: "Sending your message…",
      hint: "Enter to send, Shift + Enter for a new line.",
      privacy: "This conversation is recorded in a transcript, kept to follow up your case.",
      you: "You",
      bot: "automated assistant",
      advisor: "advisor",
      pending: "Your message has arrived; we will answer as soon as possible.",
      loading: "Loading the conversation…",
      errorNetwork: "We cannot reach the service. Check your connection and try again; your message is kept.",
      errorServer: "Your message could not be sent (error {code}). It is kept: please try again in a moment.",
      errorRequest: "Your message was not accepted (error {code}){detail}. Your text is kept.",
      detailSeparator: ": ",
      errorBusy: "Too many messages in a short time. Please wait a moment and try again; your message is kept.",
      errorExpired: "Your conversation has expired. Send your message again to start a new one.",
    },
  };

  // sessionStorage can be unavailable (storage disabled): the chat then simply forgets on reload.
  const store = {
    get(key) {
      try { return window.sessionStorage.getItem(key); } catch { return null; }
    },
    set(key, value) {
      try {
        if (value === null) window.sessionStorage.removeItem(key);
        else window.sessionStorage.setItem(key, value);
      } catch { /* not kept */ }
    },
  };

  const $ = (id) => document.getElementById(id);
  const ui = {
    transcript: $("transcript"),
    empty: $("empty"),
    form: $("composer"),
    message: $("message"),
    send: $("send"),
    status: $("status"),
    error: $("error"),
    language: $("language"),
  };
  const companyMeta = document.querySelector('meta[name="company"]');
  const company = ((companyMeta && companyMeta.content) || "").trim() || DEFAULT_COMPANY;

  const state = {
    session: store.get(SESSION_KEY),
    language: initialLanguage(),
    highestSeq: 0,
    shown: new Set(), // seqs of turns on screen
    sending: false,
    pending: false, // the agent said an answer will follow
    loading: false,
    polling: false,
    pollAgain: false,
    pollTimer: null,
  };

  function initialLanguage() {
    const kept = store.get(LANGUAGE_KEY);
    if (kept && STRINGS[kept]) return kept;
    const preferred = (navigator.languages && navigator.languages.length) ? navigator.languages : [navigator.language];
    for (const tag of preferred) {
      const code = String(tag || "").slice(0, 2).toLowerCase();
      if (STRINGS[code]) return code;
    }
    return "fr";
  }

  function t(key, values) {
    const text = STRINGS[state.language][key] ?? STRINGS.en[key];
    return text.replace(/\{(\w+)\}/g, (_, name) => (values && name in values ? values[name] : ""));
  }

  // ---- rendering ---------------------------------------------------------------------------------

  function formatTime(iso) {
    // The server stores UTC; a timestamp without a zone would otherwise be read as local time.
    const zoned = /(Z|[+-]\d\d:?\d\d)$/.test(iso) ? iso : `${iso}Z`;
    const when = new Date(zoned);
    if (Number.isNaN(when.getTime())) return "";
    const locale = LOCALES[state.language];
    const sameDay = when.toDateString() === new Date().toDateString();
    const options = sameDay
      ? { hour: "2-digit", minute: "2-digit" }
      : { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" };
    return new Intl.DateTimeFormat(locale, options).format(when);
  }

  function speaker(role) {
    if (role === "debtor") return t("you");
    if (role === "advisor") return `${company} · ${t("advisor")}`;
    if (role === "bot") return `${company} · ${t("bot")}`;
    return "";
  }

  function labelTurn(node) {
    const role = node.dataset.role;
    node.querySelector(".turn__who").textContent = speaker(role);
    const time = node.querySelector("time");
    time.textContent = formatTime(time.dateTime);
  }

  function turnNode(turn) {
    const role = ["debtor", "bot", "advisor", "system"].includes(turn.role) ? turn.role : "system";
    const node = document.createElement("div");
    node.className = `turn turn--${role}`;
    node.dataset.role = role;
    if (turn.seq !== undefined && turn.seq !== null) node.dataset.seq = String(turn.seq);
    const meta = document.createElement("p");
    meta.className = "turn__meta";
    const who = document.createElement("span");
    who.className = "turn__who";
    const time = document.createElement("time");
    time.dateTime = turn.at || new Date().toISOString();
    meta.append(who, " ", time);
    const text = document.createElement("p");
    text.className = "turn__text";
    text.textContent = turn.text; // never HTML: the text is the person's or the agent's words
    // A system notice ("an advisor joined") is one line: the notice, then its time.
    if (role === "system") node.append(text, " ", meta);
    else node.append(meta, text);
    labelTurn(node);
    return node;
  }

  function nearBottom() {
    const doc = document.documentElement;
    return doc.scrollHeight - (window.scrollY + window.innerHeight) < 120;
  }

  function reveal(follow) {
    ui.empty.hidden = state.loading || ui.transcript.childElementCount > 0;
    // The composer sticks to the bottom of the window: the end of the page is just above it.
    if (follow) window.scrollTo(0, document.documentElement.scrollHeight);
  }

  // Show a turn once: by seq; a debtor turn we already show (sent from this page, seq unknown) gets its seq.
  function addTurn(turn) {
    const seq = Number(turn.seq);
    if (!Number.isInteger(seq)) return false;
    if (state.shown.has(seq)) return false;
    state.shown.add(seq);
    state.highestSeq = Math.max(state.highestSeq, seq);
    if (turn.role === "debtor") {
      const local = [...ui.transcript.querySelectorAll(".turn--debtor[data-local]")]
        .find((node) => node.querySelector(".turn__text").textContent === turn.text);
      if (local) {
        delete local.dataset.local;
        local.dataset.seq = String(seq);
        return false;
      }
    }
    const node = turnNode(turn);
    const later = [...ui.transcript.children].find((other) => Number(other.dataset.seq) > seq);
    ui.transcript.insertBefore(node, later || null);
    return true;
  }

  function addTurns(turns) {
    const follow = nearBottom();
    let added = false;
    for (const turn of turns || []) {
      if (addTurn(turn)) {
        added = true;
        if (state.pending && turn.role !== "debtor") setPending(false);
      }
    }
    if (added) reveal(follow);
  }

  // ---- status lines -----------------------------------------------------------------------------

  function setStatus() {
    let key = "";
    if (state.sending) key = "sendingStatus";
    else if (state.loading) key = "loading";
    else if (state.pending) key = "pending";
    ui.status.textContent = key ? t(key) : "";
  }

  function setPending(value) {
    state.pending = value;
    setStatus();
  }

  function showError(message) {
    ui.error.textContent = message;
    ui.error.hidden = false;
    ui.message.setAttribute("aria-invalid", "true");
  }

  function clearError() {
    ui.error.textContent = "";
    ui.error.hidden = true;
    ui.message.removeAttribute("aria-invalid");
  }

  function setSending(value) {
    state.sending = value;
    ui.form.setAttribute("aria-busy", String(value));
    ui.message.readOnly = value;
    ui.send.setAttribute("aria-disabled", String(value));
    ui.send.textContent = t(value ? "sending" : "send");
    setStatus();
  }

  // ---- language -----------------------------------------------------------------------------------

  function applyLanguage(code) {
    state.language = STRINGS[code] ? code : "fr";
    store.set(LANGUAGE_KEY, state.language);
    document.documentElement.lang = state.language;
    document.title = `${t("title")} – ${company}`;
    ui.language.value = state.language;
    for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
    for (const node of document.querySelectorAll("[data-i18n-label]")) {
      node.setAttribute("aria-label", t(node.dataset.i18nLabel));
    }
    for (const node of document.querySelectorAll("[data-company]")) node.textContent = company;
    for (const node of ui.transcript.children) labelTurn(node);
    ui.send.textContent = t(state.sending ? "sending" : "send");
    setStatus();
  }

  // ---- the API --------------------------------------------------------------------------------------

  class Unreachable extends Error {}

  async function request(method, url, body) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
    let response;
    try {
      response = await fetch(url, {
        method,
        headers: body ? { "Content-Type": "application/json", Accept: "application/json" } : { Accept: "application/json" },
        body: body ? JSON.stringify(body) : undefined,
        cache: "no-store",
        credentials: "same-origin",
        signal: controller.signal,
      });
    } catch (error) {
      throw new Unreachable(String(error));
    } finally {
      clearTimeout(timer);
    }
    let data = null;
    try { data = await response.json(); } catch { /* a proxy's HTML error page */ }
    return { status: response.status, ok: response.ok, data };
  }

  function remember(session) {
    state.session = session || null;
    store.set(SESSION_KEY, state.session);
  }

  // The conversation ended on the server: what is on screen stays, but a new conversation numbers its
  // turns from 1 again, so the old ones no longer take part in ordering or matching.
  function forget() {
    remember(null);
    state.highestSeq = 0;
    state.shown.clear();
    for (const node of ui.transcript.children) {
      delete node.dataset.seq;
      delete node.dataset.local;
    }
    setPending(false);
  }

  function errorFor(status, data) {
    if (status === 429) return t("errorBusy");
    if (status >= 500) return t("errorServer", { code: status });
    // FastAPI's own 422 detail is a list meant for developers; a short string is meant to be read.
    const readable = data && typeof data.detail === "string" && data.detail.length <= 200;
    return t("errorRequest", { code: status, detail: readable ? t("detailSeparator") + data.detail : "" });
  }

  async function send() {
    if (state.sending) return;
    const text = ui.message.value.trim();
    if (!text) {
      ui.message.focus();
      return;
    }
    clearError();
    setSending(true);
    const sentFrom = state.highestSeq;
    const hadSession = state.session;
    let answer;
    try {
      answer = await request("POST", API, { session: state.session, text, language: state.language });
    } catch (error) {
      if (!(error instanceof Unreachable)) throw error;
      showError(t("errorNetwork"));
      ui.message.focus();
      return;
    } finally {
      setSending(false);
    }
    if (!answer.ok || !answer.data || typeof answer.data.session !== "string") {
      if ((answer.status === 404 || answer.status === 410) && hadSession) {
        forget();
        showError(t("errorExpired"));
      } else {
        showError(errorFor(answer.ok ? 502 : answer.status, answer.data));
      }
      ui.message.focus();
      return;
    }
    if (answer.data.session !== state.session) remember(answer.data.session);
    // The poll may already have shown this very turn (with its seq): show it once.
    const alreadyShown = [...ui.transcript.querySelectorAll(".turn--debtor[data-seq]")]
      .some((node) => Number(node.dataset.seq) > sentFrom && node.querySelector(".turn__text").textContent === text);
    if (!alreadyShown) {
      const node = turnNode({ role: "debtor", text, at: new Date().toISOString() });
      node.dataset.local = "";
      ui.transcript.append(node);
    }
    ui.message.value = "";
    fitHeight();
    addTurns(answer.data.replies);
    reveal(true);
    ui.message.focus();
    if (answer.data.pending) {
      setPending(true);
      pollSoon(0);
    } else {
      pollSoon(POLL_MS);
    }
  }

  // ---- polling: replies that come later (a retried answer, an advisor taking over) ------------------

  function pollSoon(delay) {
    clearTimeout(state.pollTimer);
    state.pollTimer = null;
    if (!state.session || document.visibilityState !== "visible") return;
    if (state.polling) {
      state.pollAgain = state.pollAgain || delay === 0;
      return;
    }
    state.pollTimer = setTimeout(poll, delay);
  }

  async function poll() {
    state.pollTimer = null;
    const session = state.session;
    if (!session || state.polling) return;
    state.polling = true;
    state.pollAgain = false;
    try {
      const query = `?session=${encodeURIComponent(session)}&after=${state.highestSeq}`;
      const answer = await request("GET", API + query);
      if (session !== state.session) return; // the conversation changed meanwhile
      if (answer.ok && answer.data && Array.isArray(answer.data.turns)) {
        addTurns(answer.data.turns);
      } else if (answer.status === 404 || answer.status === 410) {
        forget(); // expired: the next message starts a new conversation
      }
    } catch (error) {
      if (!(error instanceof Unreachable)) throw error;
      // Polling stays quiet when offline; sending says it clearly.
    } finally {
      state.polling = false;
      if (state.loading) {
        state.loading = false;
        setStatus();
        reveal(true);
      }
      pollSoon(state.pollAgain ? 0 : POLL_MS);
    }
  }

  // ---- the composer ---------------------------------------------------------------------------------

  function fitHeight() {
    ui.message.style.height = "auto";
    ui.message.style.height = `${Math.min(ui.message.scrollHeight + 2, 192)}px`;
  }

  ui.form.addEventListener("submit", (event) => {
    event.preventDefault();
    send();
  });
  ui.message.addEventListener("keydown", (event) => {
    // Enter sends; Shift+Enter is a new line; Enter that ends an IME composition is not a send.
    if (event.key !== "Enter" || event.shiftKey || event.isComposing || event.keyCode === 229) return;
    event.preventDefault();
    send();
  });
  ui.message.addEventListener("input", fitHeight);
  ui.send.addEventListener("click", (event) => {
    if (state.sending) event.preventDefault();
  });
  ui.language.addEventListener("change", () => applyLanguage(ui.language.value));
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") pollSoon(0);
    else clearTimeout(state.pollTimer);
  });

  applyLanguage(state.language);
  if (state.session) {
    state.loading = true;
    setStatus();
    pollSoon(0); // after=0: the history of this conversation
  }
  reveal(false);
})();
