// The chat page. The conversation lives in sessionStorage only (gone when the tab closes, or at
// once with "Quitter rapidement"). Every text is inserted with textContent: never as HTML.
(function () {
  "use strict";
  var KEY_SENDER = "assistant.sender", KEY_LOG = "assistant.log";
  var NEUTRAL_SITE = "https://www.google.com/search?q=meteo";
  var log = document.getElementById("log"), form = document.getElementById("composer");
  var input = document.getElementById("message"), typing = document.getElementById("typing");
  var errorBox = document.getElementById("error"), exitButton = document.getElementById("quick-exit");
  // The page's language and labels, from its body's data attributes (no inline script: the CSP forbids them).
  var data = document.body.dataset;
  var cfg = {lang: data.lang || "fr", you: data.you || "Vous", assistant: data.assistant || "Assistant"};
  var busy = false, queue = [];

  function sender() {
    var id = sessionStorage.getItem(KEY_SENDER);
    if (!id) {
      id = (window.crypto && crypto.randomUUID) ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(16).slice(2);
      sessionStorage.setItem(KEY_SENDER, id);
    }
    return id;
  }
  function history() { try { return JSON.parse(sessionStorage.getItem(KEY_LOG) || "[]"); } catch (e) { return []; } }
  function remember(entry) { var h = history(); h.push(entry); sessionStorage.setItem(KEY_LOG, JSON.stringify(h)); }

  // Numbers a person may need to call at once, as links a phone dials: the emergency numbers
  // where a text names them ("appelez le 17", "call 112", "3919"), 114 by SMS, the service's line.
  var DIAL = /(\b(?:le|au|call|or|ou|appelez|composez|dial)\s+)(17|112|115)\b|\b(3919)\b|(\bSMS\s+(?:au|to)\s+)(114)\b|\b(09 70 800 800)\b/gi;

  function fillDial(node, text) {
    var last = 0, match;
    DIAL.lastIndex = 0;
    while ((match = DIAL.exec(text)) !== null) {
      var lead = match[1] || match[4] || "", number = match[2] || match[3] || match[5] || match[6];
      var at = match.index + lead.length;
      node.appendChild(document.createTextNode(text.slice(last, at)));
      var a = document.createElement("a");
      a.href = (match[5] ? "sms:" : "tel:") + number.replace(/\s/g, "");
      a.textContent = number;
      node.appendChild(a);
      last = at + number.length;
    }
    node.appendChild(document.createTextNode(text.slice(last)));
  }

  // Text with links for our own paths, https URLs and numbers to call, built as DOM nodes.
  function fillText(node, text) {
    var parts = String(text).split(/(\s)/), plain = "";
    function flush() { if (plain) { fillDial(node, plain); plain = ""; } }
    parts.forEach(function (part) {
      var url = part.replace(/[.,;:)]+$/, "");
      if (/^\/[a-z][\w\-\/?=&]*$/i.test(url) || /^https:\/\/[\w.\-\/?=&%#]+$/i.test(url)) {
        flush();
        var a = document.createElement("a");
        a.href = url; a.textContent = url; a.rel = "noopener noreferrer";
        node.appendChild(a);
        if (part.length > url.length) node.appendChild(document.createTextNode(part.slice(url.length)));
      } else {
        plain += part;
      }
    });
    flush();
  }

  function disableOldButtons() {
    log.querySelectorAll(".buttons button, .buttons input").forEach(function (b) { b.disabled = true; });
  }

  function render(entry, live) {
    var bubble = document.createElement("div");
    bubble.className = "msg " + entry.who;
    var who = document.createElement("span");
    who.className = "who";
    who.textContent = (entry.who === "user" ? cfg.you : cfg.assistant) + " : ";
    bubble.appendChild(who);
    if (entry.who === "bot") { fillText(bubble, entry.text); } else { bubble.appendChild(document.createTextNode(entry.text)); }
    log.appendChild(bubble);
    if (entry.multi && entry.buttons && entry.buttons.length) {
      renderChoices(entry);
    } else if (entry.buttons && entry.buttons.length) {
      var group = document.createElement("div");
      group.className = "buttons";
      group.setAttribute("role", "group");
      entry.buttons.forEach(function (b) {
        var button = document.createElement("button");
        button.type = "button";
        button.textContent = b.title;
        button.addEventListener("click", function () {
          send(b.payload, b.title);
          input.focus({preventScroll: true});  // the next answer may be typed at once
        });
        group.appendChild(button);
      });
      log.appendChild(group);
    }
    return bubble;
  }

  // A question with several answers: a checkbox per choice and "Valider", which sends them at
  // once ("/answer" with the values joined by commas); the other buttons stay buttons.
  var CHOICE = /^\/answer\{"f":"(\w+)","v":"(\w+)"\}$/, CONFIRM = /^\/answer\{"f":"\w+","v":""\}$/;

  function renderChoices(entry) {
    var box = document.createElement("fieldset");
    box.className = "buttons choices";
    var legend = document.createElement("legend");
    legend.className = "visually-hidden";
    legend.textContent = entry.text;
    box.appendChild(legend);
    var fact = null, checks = [], others = [], confirmTitle = data.validate || "Valider";
    entry.buttons.forEach(function (b) {
      if (CONFIRM.test(b.payload)) { confirmTitle = b.title; return; }
      var m = CHOICE.exec(b.payload);
      if (!m) { others.push(b); return; }
      fact = m[1];
      var label = document.createElement("label");
      var check = document.createElement("input");
      check.type = "checkbox";
      check.value = m[2];
      check.dataset.title = b.title;
      label.appendChild(check);
      label.appendChild(document.createTextNode(" " + b.title));
      box.appendChild(label);
      checks.push(check);
    });
    var confirm = document.createElement("button");
    confirm.type = "button";
    confirm.className = "confirm";
    confirm.textContent = confirmTitle;
    confirm.disabled = true;
    checks.forEach(function (c) {
      c.addEventListener("change", function () { confirm.disabled = !checks.some(function (x) { return x.checked; }); });
    });
    confirm.addEventListener("click", function () {
      var chosen = checks.filter(function (c) { return c.checked; });
      if (!chosen.length) return;
      var values = chosen.map(function (c) { return c.value; }).join(",");
      var titles = chosen.map(function (c) { return c.dataset.title; }).join(", ");
      send('/answer{"f":"' + fact + '","v":"' + values + '"}', titles);
      input.focus({preventScroll: true});
    });
    box.appendChild(confirm);
    others.forEach(function (b) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = b.title;
      button.addEventListener("click", function () { send(b.payload, b.title); input.focus({preventScroll: true}); });
      box.appendChild(button);
    });
    log.appendChild(box);
  }

  // The newest replies in view: from the first of them when they are taller than the pane (a
  // long answer is read from its start), else down to the last button.
  function reveal(first) {
    var top = first.getBoundingClientRect().top - log.getBoundingClientRect().top + log.scrollTop;
    log.scrollTop = log.scrollHeight - top > log.clientHeight ? top - 8 : log.scrollHeight;
  }

  function show(entry) {
    if (entry.who === "user") disableOldButtons();
    remember(entry);
    return render(entry, true);
  }

  function post(message) {
    return fetch("/webhooks/rest/webhook", {
      method: "POST",
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify({sender: sender(), message: message, metadata: {locale: cfg.lang}})
    }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    });
  }

  function send(message, shown) {
    if (!message || !message.trim()) return;
    if (shown !== null) reveal(show({who: "user", text: shown || message}));
    queue.push(message);
    pump();
  }

  function pump() {
    if (busy || !queue.length) return;
    busy = true;
    var message = queue.shift();
    typing.hidden = false;
    errorBox.hidden = true;
    post(message).then(function (replies) {
      var first = null, locale = null;
      replies.forEach(function (r) {
        var bubble = show({who: "bot", text: r.text || "", buttons: r.buttons || [], multi: !!(r.custom && r.custom.multi)});
        first = first || bubble;
        if (r.custom && (r.custom.locale === "fr" || r.custom.locale === "en")) locale = r.custom.locale;
      });
      if (first) reveal(first);
      // The conversation changed language: the page's own texts follow (the log is kept).
      if (locale && locale !== cfg.lang) window.location.replace("/?lang=" + locale);
    }).catch(function () {
      errorBox.hidden = false;
    }).then(function () {
      typing.hidden = true;
      busy = false;
      pump();
    });
  }

  function quickExit() {
    try { sessionStorage.clear(); } catch (e) { /* nothing to keep anyway */ }
    log.textContent = "";
    document.title = "Météo";
    window.location.replace(NEUTRAL_SITE);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value;
    input.value = "";
    send(text);
    input.focus();
  });
  exitButton.addEventListener("click", quickExit);
  var switchButton = document.getElementById("lang-switch");
  if (switchButton) {
    switchButton.addEventListener("click", function () {
      var locale = switchButton.dataset.locale === "en" ? "en" : "fr";
      send('/language{"locale":"' + locale + '"}', switchButton.textContent);
    });
  }
  var lastEscape = 0;
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var now = Date.now();
    if (now - lastEscape < 1000) quickExit();
    lastEscape = now;
  });

  // The adviser's messages while the page is open, without the person writing: a stream of
  // Server-Sent Events read with fetch (a POST: the sender, this conversation's secret, stays out
  // of URLs). The server ends a stream after a minute; the next one opens at once.
  function handleEvent(block) {
    var kind = "message", lines = [];
    block.split("\n").forEach(function (line) {
      if (line.indexOf("event:") === 0) kind = line.slice(6).trim();
      else if (line.indexOf("data:") === 0) lines.push(line.slice(5).replace(/^ /, ""));
    });
    if (kind !== "reply" || !lines.length) return;
    var r;
    try { r = JSON.parse(lines.join("\n")); } catch (e) { return; }
    reveal(show({who: "bot", text: r.text || "", buttons: r.buttons || []}));
  }

  function listen() {
    if (!window.fetch || !window.TextDecoder || !window.ReadableStream) return;
    var failed = false;
    fetch("/chat/events", {
      method: "POST",
      headers: {"Content-Type": "application/json", "Accept": "text/event-stream"},
      body: JSON.stringify({sender: sender()})
    }).then(function (response) {
      if (!response.ok || !response.body) throw new Error("HTTP " + response.status);
      var reader = response.body.getReader(), decoder = new TextDecoder(), buffer = "";
      function read() {
        return reader.read().then(function (chunk) {
          if (chunk.done) return;
          buffer += decoder.decode(chunk.value, {stream: true}).replace(/\r\n?/g, "\n");
          var blocks = buffer.split("\n\n");
          buffer = blocks.pop();
          blocks.forEach(handleEvent);
          return read();
        });
      }
      return read();
    }).catch(function () { failed = true; }).then(function () { setTimeout(listen, failed ? 10000 : 500); });
  }

  var previous = history();
  var start = data.start === "/follow" ? data.start : "";
  // A one-time link from Telegram (?reprise=<token>): the conversation continues here. The token
  // leaves the address bar at once (it is spent anyway once used).
  var brought = new URLSearchParams(window.location.search).get("reprise");
  if (brought && /^[A-Za-z0-9_-]{16,64}$/.test(brought)) {
    window.history.replaceState(null, "", window.location.pathname);
    start = '/handover{"token":"' + brought + '"}';
  }
  if (previous.length) {
    previous.forEach(function (e) { render(e, false); });
    log.scrollTop = log.scrollHeight;
    var groups = log.querySelectorAll(".buttons");
    groups.forEach(function (g, i) { if (i < groups.length - 1) g.querySelectorAll("button, input").forEach(function (b) { b.disabled = true; }); });
    if (start) send(start, null);
  } else {
    send(start || "/start", null);
  }
  listen();
  window.assistantQuickExit = quickExit;
}());
