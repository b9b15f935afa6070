// The guard's screen: a queue of arrival cards, side by side on a wide screen. Alerts, former
// staff and VIPs (the server's rank and "held") stay first until a guard acknowledges them;
// other arrivals give way to newer ones and stay in the list. Each card chimes (a tone per
// kind, a flash for alerts) and its greeting is spoken on the gate's own screen unless the
// guard turns speech off. Keys: Enter ✓ the first card, Esc back to live, R say it again.
// The guard confirms or corrects a name, corrects a plate and registers a visitor on the card.
// Reconnects by itself.
"use strict";
(function () {
  // the page's settings and the server's words, from the page's JSON block (data, not script)
  const G = JSON.parse(document.getElementById("gate-config").textContent);
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const $ = (id) => document.getElementById(id);
  const queueBox = $("queue"), list = $("events");
  const params = new URLSearchParams(location.search);
  const stored = localStorage.getItem("gw-speech");
  // the gate's own screen speaks unless the guard turned it off; other posts opt in
  let speech = stored ? stored === "on" : !!G.gate_screen;
  let cameras = [], tz = G.tz;
  // every card in play, newest first: {key, e, since, acked, working}
  let queue = [];
  const cards = new Map();
  // the quiet moment: no arrival for G.quiet_minutes, so the screen offers a short review of
  // the residents likely to come in the next hour; the next arrival ends it
  let lastArrival = Date.now(), quiet = false;

  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") e.className = v;
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v);
    }
    for (const k of kids.flat()) if (k != null && k !== "") e.append(k.nodeType ? k : String(k));
    return e;
  }

  // a request of the screen's own: the answer's JSON, or an error with the server's one sentence
  function post(url, body) {
    return fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", "x-csrf-token": csrf },
      body: JSON.stringify(body || {}),
    }).then(async (r) => {
      const text = await r.text();
      let data = {};
      try { data = text ? JSON.parse(text) : {}; } catch (_) { data = { message: "" }; }
      if (!r.ok) throw new Error(data.message || ("出错了，请重试 (error " + r.status + ")"));
      return data;
    });
  }

  const keyOf = (e) => (e.id ? "id:" + e.id : e.camera + "/" + e.kind + "/" + e.track);
  const title = (e) => e.kind === "vehicle" ? (e.plate ? e.plate.formatted : "车牌未识别")
    : e.kind === "alert" || e.kind === "registration" ? (e.say || "值班记录")
    : (e.person ? e.person.name : "陌生人 Unknown");
  const local = (at) => (at || "").slice(11, 19);
  const needsAck = (q) => q.e.held && !q.acked && !q.e.checked;

  function photo(e) {
    if (!e.snapshot || !e.frame || !e.frame[0]) return el("div", { class: "photo none" }, "无抓拍");
    const [x1, y1, x2, y2] = e.box, [fw, fh] = e.frame;
    // a face shown with the head and shoulders around it, a plate with its car
    const grow = e.kind === "vehicle" ? 4 : 2.2;
    const cx = (x1 + x2) / 2, cy = (y1 + y2) / 2;
    const side = Math.min(Math.max(x2 - x1, y2 - y1) * grow, fw, fh);
    const left = Math.min(Math.max(cx - side / 2, 0), fw - side), top = Math.min(Math.max(cy - side / 2, 0), fh - side);
    const div = el("div", { class: "photo", role: "img", "aria-label": "抓拍 " + title(e) });
    div.style.backgroundImage = "url('/files/" + encodeURI(e.snapshot) + "')";
    div.style.backgroundSize = (100 * fw / side) + "% auto";
    div.style.backgroundPosition = (side >= fw ? 0 : (100 * left / (fw - side))) + "% " + (side >= fh ? 0 : (100 * top / (fh - side))) + "%";
    return div;
  }

  // the snapshot, and beside it the face the manager enrolled with how alike they are
  function photos(e) {
    const box = el("div", { class: "photos" }, el("figure", {}, photo(e), el("figcaption", {}, "抓拍 now")));
    if (e.face && e.person) {
      const img = el("img", { class: "enrolled", src: e.face, alt: "登记照片 " + e.person.name });
      img.addEventListener("error", () => img.parentNode && img.parentNode.remove());
      box.append(el("figure", {}, img, el("figcaption", {}, "登记照 · 相似度 " + Math.round(100 * e.person.similarity) + "%")));
    }
    return box;
  }

  // ---- sound: a chime per kind of card, then the words -------------------------------------
  let audio = null;
  function sound() {
    const A = window.AudioContext || window.webkitAudioContext;
    if (!A) return null;
    if (!audio) audio = new A();
    if (audio.state === "suspended") audio.resume();
    return audio;
  }
  // [frequency Hz, start s, length s]; alerts are loud square beeps, the rest soft bells
  const CHIMES = {
    alert: [[880, 0, 0.14], [880, 0.2, 0.14], [880, 0.4, 0.14], [1175, 0.6, 0.35]],
    vip: [[659, 0, 0.3], [880, 0.22, 0.3], [1319, 0.44, 0.6]],
    stranger: [[587, 0, 0.25], [740, 0.25, 0.4]],
    known: [[784, 0, 0.35]],
    vehicle: [[392, 0, 0.25], [523, 0.22, 0.35]],
  };
  function chime(look) {
    if (!speech) return 0;
    const a = sound();
    const tones = CHIMES[look] || CHIMES.known;
    if (!a) return 0;
    const t0 = a.currentTime + 0.02;
    for (const [f, at, len] of tones) {
      const o = a.createOscillator(), g = a.createGain();
      o.type = look === "alert" ? "square" : "sine";
      o.frequency.value = f;
      g.gain.setValueAtTime(0.0001, t0 + at);
      g.gain.exponentialRampToValueAtTime(look === "alert" ? 0.25 : 0.35, t0 + at + 0.02);
      g.gain.exponentialRampToValueAtTime(0.0001, t0 + at + len);
      o.connect(g).connect(a.destination);
      o.start(t0 + at); o.stop(t0 + at + len + 0.05);
    }
    return 1000 * Math.max(...tones.map(([, at, len]) => at + len));
  }
  function say(text, urgent, force) {
    if ((!speech && !force) || !text || !window.speechSynthesis) return;
    const u = new SpeechSynthesisUtterance(text);
    u.lang = "zh-CN";
    if (urgent) speechSynthesis.cancel();
    speechSynthesis.speak(u);
  }
  const words = (e) => e.say || (e.actions || [])[0] || e.headline;
  function announce(e) {
    const after = chime(e.look);
    setTimeout(() => say(words(e), e.held), after);
    if (e.look === "alert") {
      document.body.classList.remove("alarm");
      void document.body.offsetWidth;
      document.body.classList.add("alarm");
      setTimeout(() => document.body.classList.remove("alarm"), 6000);
    }
  }

  // ---- the card -----------------------------------------------------------------------------
  function card(q) {
    const e = q.e;
    const c = el("section", { class: "card " + e.look + (needsAck(q) ? " held" : "") + (q.working ? " working" : ""),
      "data-key": q.key, "data-event": e.id || "", "data-kind": e.kind, tabindex: "-1" });
    c.append(el("div", { class: "head" },
      el("span", { class: "badge" }, e.headline),
      needsAck(q) ? el("span", { class: "wait" }, "待确认") : null,
      el("span", { class: "meta" }, local(e.at) + (e.camera ? " · " + e.camera : "") + (e.direction_zh ? " · " + e.direction_zh : ""))));
    if (e.kind === "alert" || e.kind === "registration") {
      c.append(el("div", { class: "words" },
        el("p", { class: "who" }, e.say),
        e.by ? el("p", { class: "meta" }, "记录人：" + e.by) : null,
        tools(q)));
      return c;
    }
    const isVisitor = e.kind === "person" && !e.person;
    const script = new Set([G.first, ...G.script]);
    const actions = (e.actions || []).filter((a) => !(isVisitor && script.has(a)));
    const body = el("div", { class: "body" }, photos(e));
    const w = el("div", { class: "words" },
      el("p", { class: "who" }, title(e),
        e.person ? el("small", {}, e.person.class_zh) : null,
        e.plate ? el("small", {}, e.plate.colour_zh +
          (e.plate.colour_doubt_zh ? "？或" + e.plate.colour_doubt_zh : "") +
          (e.plate.large ? " · 大型车" : "")) : null),
      e.plate ? el("p", { class: "owner" }, e.plate.owner || e.plate.household
        ? "车主 " + [e.plate.owner, e.plate.household].filter(Boolean).join(" · ")
        : "非本小区登记车辆 (not a compound vehicle)") : null,
      // a visitor's first words open the registration form above
      e.say && !isVisitor ? el("p", { class: "say" }, e.say) : null,
      actions.length ? el("ul", { class: "actions" }, actions.map((a) => el("li", {}, a))) : null,
      e.notify_zh && e.notify_zh.length ? el("p", { class: "notify" }, "已通知：" + e.notify_zh.join("、")) : null);
    body.append(w);
    // a visitor's registration comes first, before anything else on the card
    if (isVisitor) c.append(visitorForm(q));
    c.append(body);
    c.append(tools(q));
    return c;
  }

  // what the guard can do on a card
  function tools(q) {
    const e = q.e;
    const box = el("div", { class: "tools" });
    const said = el("p", { class: "done", role: "status" });
    const fail = (err) => { said.textContent = err.message; said.className = "done error"; };
    const ok = (text) => { said.textContent = text; said.className = "done"; };
    const ackWord = e.kind === "person" && e.person ? "✓ 认对了" : e.look === "vip" ? "✓ 已问候" : e.held ? "✓ 已处理" : "✓ 知道了";
    if (e.id && !(e.kind === "person" && !e.person)) {
      box.append(el("button", { type: "button", class: "ok ack", title: "Enter", onclick: () => ack(q).then(() => ok("已确认 ✓"), fail) }, ackWord));
    } else if (!e.id && e.held) {
      box.append(el("button", { type: "button", class: "ok ack", onclick: () => ack(q) }, ackWord));
    }
    if (e.kind === "person" && e.id) {
      box.append(el("button", { type: "button", class: "no", onclick: () => { work(q); box.append(correction(q, ok, fail)); } },
        e.person ? "✗ 不是" + e.person.name : "✗ 其实认识"));
    }
    if (e.kind === "vehicle" && e.id) {
      box.append(el("button", { type: "button", class: "plain", onclick: () => { work(q); box.append(plateFix(q, ok, fail)); } }, "改车牌"));
      if (e.look !== "alert" && (!e.plate || !e.plate.household)) {
        box.append(el("button", { type: "button", class: "plain", onclick: () => { work(q); box.before(visitorForm(q)); } }, "登记访客车辆"));
      }
    }
    box.append(said);
    return box;
  }

  function correction(q, ok, fail) {
    const e = q.e;
    const f = el("form", { class: "correct" });
    const input = el("input", { name: "q", placeholder: "输入姓名或房号 (name or room)", autocomplete: "off" });
    const found = el("ul", { class: "found" });
    const choose = (person) => post("/api/events/" + e.id + "/correct", { person_id: person ? person.id : null, sighting: e.sighting || null })
      .then(() => { ok("已更正为 " + (person ? person.name : "陌生人")); f.remove(); q.acked = true; settle(q); }, fail);
    input.addEventListener("input", () => {
      if (!input.value.trim()) { found.replaceChildren(); return; }
      fetch("/api/people?q=" + encodeURIComponent(input.value.trim())).then((r) => r.json()).then((people) => {
        found.replaceChildren(...people.map((p) => el("li", {}, el("button", { type: "button", onclick: () => choose(p) }, p.name + " " + (p.household || "") + " " + p.class_zh))));
      });
    });
    f.append(el("label", {}, "是谁？ Who is it?", input), found,
      e.person ? el("button", { type: "button", onclick: () => choose(null) }, "不认识的人 (a stranger)") : "");
    f.addEventListener("submit", (ev) => ev.preventDefault());
    setTimeout(() => input.focus(), 0);
    return f;
  }

  function plateFix(q, ok, fail) {
    const e = q.e;
    const f = el("form", { class: "plate-fix" });
    const input = el("input", { name: "plate", value: e.plate ? e.plate.formatted : "", autocomplete: "off", "aria-label": "正确的车牌 (the right plate)" });
    f.append(el("label", {}, "正确的车牌", input), el("button", { type: "submit", class: "ok" }, "保存"));
    f.addEventListener("submit", (ev) => {
      ev.preventDefault();
      post("/api/events/" + e.id + "/plate", { plate: input.value }).then((r) => {
        // the card is drawn again with the right plate, and says so
        if (e.plate) { e.plate.formatted = r.message.split(" ").pop(); }
        q.acked = true;
        if (document.activeElement) document.activeElement.blur();
        f.remove();
        settle(q, true);
        const drawn = cards.get(q.key);
        const said = drawn && drawn.querySelector(".tools p.done");
        if (said) said.textContent = r.message;
        loadInside();
      }, fail);
    });
    setTimeout(() => input.select(), 0);
    return f;
  }

  // the visitor's registration, asked in the script's order (SPEC §2): room, surname, wait
  // while the resident is asked, ID
  function visitorForm(q) {
    const e = q.e;
    if (e.registered) return el("p", { class: "registered" }, "已登记访客 ✓ (visitor registered)");
    const form = el("form", { class: "register" });
    const purpose = el("select", { name: "purpose" }, G.purposes.map(([k, zh]) => el("option", { value: k }, zh)));
    const result = el("p", { class: "done", role: "status" });
    form.append(
      e.kind === "person" ? el("p", { class: "first say" }, G.first) : null,
      el("div", { class: "fields" },
        el("label", {}, G.script[0], el("input", { name: "room", placeholder: "例如 3-2-1502", required: "", autocomplete: "off" })),
        el("label", {}, G.script[1], el("input", { name: "surname", required: "", autocomplete: "off" })),
        el("label", {}, "来访事由", purpose)),
      el("label", { class: "check" }, el("input", { type: "checkbox", name: "id_checked" }), G.script[3] + " 已查验并登记"),
      el("p", { class: "hint" }, G.script[2] + "（对讲问业主）"),
      el("div", { class: "choices" },
        el("button", { type: "submit", name: "confirmed", value: "yes", class: "ok" }, "业主已确认，放行"),
        el("button", { type: "submit", name: "confirmed", value: "no", class: "no" }, "无法联络业主")),
      result);
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const confirmed = ev.submitter && ev.submitter.value === "yes";
      const d = new FormData(form);
      // the answer to an earlier try gives way, so the guard never reads an old one as new
      result.textContent = "正在登记… (saving)"; result.className = "done pending";
      post("/api/visitors", {
        room: d.get("room"), surname: d.get("surname"), purpose: d.get("purpose"),
        id_checked: d.get("id_checked") === "on", resident_confirmed: confirmed, event_id: e.id || null,
      }).then((r) => {
        result.textContent = r.message; result.className = "done";
        if (!confirmed) say(G.unreachable, false, true);
        form.querySelectorAll("button, input, select").forEach((b) => { b.disabled = true; });
        if (confirmed) e.registered = true;
        q.acked = true; settle(q);
      }, (err) => { result.textContent = err.message; result.className = "done error"; });
    });
    form.addEventListener("focusin", () => work(q));
    return form;
  }

  // ---- the queue ------------------------------------------------------------------------------
  // as many cards side by side as the style sheet's grid has columns
  function columns() {
    const tracks = getComputedStyle(queueBox).gridTemplateColumns.split(" ").filter(Boolean).length;
    return Math.max(tracks || 1, 1);
  }

  // the cards to show, in order: those worked on, then those waiting for a guard (by rank),
  // then the newest others, as many as there is room for (at least one)
  function shown() {
    const working = queue.filter((q) => q.working);
    const waiting = queue.filter((q) => !q.working && needsAck(q))
      .sort((a, b) => a.e.rank - b.e.rank || b.since - a.since);
    // the newest first, a card just dealt with counting as new (its answer stays in view)
    const rest = queue.filter((q) => !q.working && !needsAck(q))
      .sort((a, b) => (b.touched || b.since) - (a.touched || a.since));
    const room = Math.max(columns() - working.length - waiting.length, queue.length && !working.length && !waiting.length ? 1 : 0);
    return working.concat(waiting, rest.slice(0, room));
  }

  function render(changed) {
    if (quiet && queue.length) endQuiet();
    const want = shown();
    const keep = new Set(want.map((q) => q.key));
    for (const [k, c] of cards) if (!keep.has(k)) { c.remove(); cards.delete(k); }
    want.forEach((q, i) => {
      let c = cards.get(q.key);
      // a card the guard is typing in is never redrawn under their hands
      const busy = c && (q.working || c.contains(document.activeElement) ||
        [...c.querySelectorAll("input:not([type=checkbox])")].some((i) => i.value));
      if (!c || (changed && changed.has(q.key) && !busy)) {
        const fresh = card(q);
        if (c) c.replaceWith(fresh);
        c = fresh; cards.set(q.key, c);
      }
      c.classList.toggle("first", i === 0);
      c.classList.toggle("working", !!q.working);
      c.classList.toggle("held", needsAck(q));
      const mark = c.querySelector(".head .wait");
      if (mark && !needsAck(q)) mark.remove();
      if (queueBox.children[i] !== c) queueBox.insertBefore(c, queueBox.children[i] || null);
    });
    const idle = $("idle");
    idle.hidden = want.length > 0 || quiet;
    $("pinbar").hidden = !queue.some((q) => q.working);
    const waiting = queue.filter(needsAck).length;
    $("waiting").textContent = waiting ? waiting + " 条待确认" : "";
  }

  function arrive(e, fresh) {
    const key = keyOf(e);
    const old = queue.find((q) => q.key === key);
    if (old) {
      old.e = Object.assign({}, e, { registered: e.registered || old.e.registered });
    } else {
      if (!fresh && !e.held) return;
      queue.unshift({ key, e, since: Date.parse(e.at) || Date.now(), acked: false, working: false });
      // the queue keeps what is waiting and the newest others; the rest are in the list
      const waiting = queue.filter(needsAck);
      const others = queue.filter((q) => !needsAck(q)).slice(0, 12);
      queue = queue.filter((q) => waiting.includes(q) || others.includes(q));
    }
    render(new Set([key]));
  }

  // the guard is working on a card (a form, a correction): it stays first until done or Esc
  function work(q) { if (!q.working) { q.working = true; render(); } }
  function settle(q, redraw) { q.working = false; q.touched = Date.now(); render(redraw ? new Set([q.key]) : undefined); }

  function ack(q) {
    const e = q.e;
    const done = () => {
      q.acked = true; q.working = false; q.touched = Date.now();
      if (document.activeElement && queueBox.contains(document.activeElement)) document.activeElement.blur();
      render(new Set([q.key]));
    };
    if (!e.id) { done(); return Promise.resolve(); }
    return post("/api/events/" + e.id + "/confirm", { sighting: e.sighting || null }).then(done);
  }

  function item(e) {
    const li = el("li", { class: e.look + (e.for_me ? " for-me" : ""), tabindex: "0" },
      el("time", {}, local(e.at)), " ", el("span", { class: "name" }, title(e)), " ", el("small", {}, e.label_zh),
      e.plate && e.plate.household ? el("small", {}, " " + e.plate.household) : null);
    li.dataset.key = keyOf(e);
    // choosing an arrival from the list brings its card back, first, until Esc
    li.addEventListener("click", () => {
      let q = queue.find((x) => x.key === keyOf(e));
      if (!q) { q = { key: keyOf(e), e, since: Date.parse(e.at) || Date.now(), acked: !!e.checked, working: false }; queue.push(q); }
      // one chosen card at a time: the one before goes back to its place in the queue
      queue.forEach((x) => { x.working = false; });
      q.working = true;
      render(new Set([q.key]));
      const c = cards.get(q.key);
      if (c) c.focus();
    });
    li.addEventListener("keydown", (ev) => { if (ev.key === "Enter") { ev.stopPropagation(); li.click(); } });
    return li;
  }

  function listed(e) {
    const key = keyOf(e);
    const old = [...list.children].find((li) => li.dataset.key === key);
    if (old) old.replaceWith(item(e)); else list.prepend(item(e));
    while (list.children.length > 40) list.lastChild.remove();
  }

  // ---- notifications for this post ----------------------------------------------------------
  function notice(text, at, cls) {
    $("notices").hidden = false;
    const li = el("li", { class: cls || "" }, el("time", {}, local(at)), " ", text);
    li.dataset.at = at || "";
    // newest first, whatever order they arrive in
    const after = [...$("notice-list").children].find((x) => (x.dataset.at || "") < (at || ""));
    $("notice-list").insertBefore(li, after || null);
    while ($("notice-list").children.length > 30) $("notice-list").lastChild.remove();
  }
  function deskNotice(n, live) {
    notice(n.text + (n.by ? "（" + n.by + "）" : ""), n.at, "desk");
    if (n.held) {
      arrive({ id: n.id, kind: "alert", look: "alert", headline: "值班警报", say: n.text, by: n.by, at: n.at,
        held: true, rank: 0, camera: "", track: 0, checked: !!n.checked }, live);
      if (live) announce({ look: "alert", say: n.text, held: true });
    } else if (live) {
      say(n.text);
    }
  }

  // ---- the side panel: vehicles inside --------------------------------------------------------
  function renderInside(inside) {
    $("inside-count").textContent = inside.length;
    $("inside").replaceChildren(...inside.map((v) => el("li", {},
      el("b", {}, v.plate), " ", el("time", {}, v.since), " ",
      el("small", {}, [v.owner, v.household].filter(Boolean).join(" · ") || "外来车辆"))));
  }
  let insideTimer = null;
  function loadInside() {
    clearTimeout(insideTimer);
    insideTimer = setTimeout(() => fetch("/api/inside").then((r) => r.json()).then(renderInside, () => {}), 400);
  }

  function renderCameras() {
    const bad = cameras.filter((c) => c.state !== "live");
    $("cameras").textContent = "摄像头 " + (cameras.length - bad.length) + "/" + cameras.length + " 在线" +
      (bad.length ? "（" + bad.map((c) => c.name + " " + c.state_zh).join("，") + "）" : "");
    $("cameras").className = bad.length ? "warn" : "";
  }

  // a compound with several boxes: whether the shared store answers (records wait here if not)
  function renderStore(st) {
    const el = $("shared-store");
    if (!el) return;
    el.textContent = st ? st.text_zh : "";
    el.className = st && !st.reachable ? "warn" : "";
    el.hidden = !st;
  }

  // the gate's time, whatever the browser's time zone; dark from the evening to the morning
  function tick() {
    const now = new Date();
    $("clock").textContent = now.toLocaleTimeString("zh-CN", { hour12: false, timeZone: tz });
    const forced = params.get("theme");
    const hour = Number(now.toLocaleString("en-GB", { hour: "2-digit", hour12: false, timeZone: tz })) % 24;
    const night = forced ? forced === "night" : (hour >= G.night[0] || hour < G.night[1]);
    document.documentElement.dataset.theme = night ? "night" : "day";
  }

  function load() {
    return fetch("/api/state").then((r) => r.json()).then((s) => {
      $("shift").textContent = s.shift_zh;
      $("gate-open").textContent = s.gate_hours_zh;
      cameras = s.cameras; renderCameras();
      renderStore(s.shared_store);
      renderInside(s.inside || []);
      list.replaceChildren();
      $("notice-list").replaceChildren();
      s.notices.slice().reverse().forEach((n) => deskNotice(n, false));
      s.recent.slice().reverse().forEach((e) => {
        listed(e);
        if (e.for_me) notice(title(e) + "：" + words(e), e.at);
      });
      // what is still waiting for a guard, and the newest arrivals, as cards again
      const fresh = s.recent.slice(0, columns()).reverse();
      s.recent.slice().reverse().forEach((e) => arrive(e, fresh.includes(e)));
      const last = s.recent.length ? Date.parse(s.recent[0].at) : NaN;
      if (!Number.isNaN(last)) lastArrival = last;
    });
  }

  function endQuiet() {
    quiet = false;
    const q = $("quiet");
    if (q) q.remove();
  }

  function quietCheck() {
    if (quiet || queue.some((q) => q.working || needsAck(q)) || Date.now() - lastArrival < G.quiet_minutes * 60000) return;
    quiet = true;
    fetch("/api/training/soon").then((r) => r.json()).then((s) => {
      if (!quiet) return;
      for (const [, c] of cards) c.remove();
      cards.clear(); queue = [];
      $("idle").hidden = true;
      const slot = el("div", { class: "trainer" });
      const go = () => { begin.remove(); Trainer.start(slot, s.people.length ? { focus: "soon" } : {}); };
      const begin = el("button", { type: "button", class: "ok", id: "quiet-start", onclick: go }, "开始复习");
      queueBox.append(el("section", { class: "card quiet", id: "quiet" },
        el("h2", {}, "门口清闲，复习一下住户吧"),
        s.people.length ? el("p", {}, "接下来一小时可能经过大门的住户：") : el("p", {}, "按计划复习到期的卡片。"),
        el("ul", { class: "soon" }, s.people.map((p) => el("li", {},
          p.face ? el("img", { class: "thumb", src: p.face, alt: p.name }) : null,
          el("b", {}, p.name), " ", p.household || "", " ", el("small", {}, (p.habits || []).join("；"))))),
        begin, slot));
    }, () => { quiet = false; });
  }

  function connect() {
    const es = new EventSource("/api/stream");
    const link = $("link");
    es.onopen = () => { link.textContent = "实时 Live"; link.className = "link-state ok"; load(); };
    es.onerror = () => {
      link.textContent = "连接中断，正在重连… (reconnecting)"; link.className = "link-state bad";
      // the browser retries a dropped connection by itself, but not one the server refused: a
      // login that ended (or a screen unpaired) goes to the login page, anything else retries
      if (es.readyState !== EventSource.CLOSED) return;
      setTimeout(() => fetch("/api/state").then((r) => {
        if (r.status === 401) location.reload(); else connect();
      }, connect), 3000);
    };
    const on = (ev) => {
      const e = JSON.parse(ev.data);
      // an arrival proves its camera is live, whatever the last health report said
      const cam = cameras.find((c) => c.name === e.camera);
      if (cam && cam.state !== "live") { cam.state = "live"; renderCameras(); }
      const fresh = ev.type === "arrival";
      if (fresh) { lastArrival = Date.now(); endQuiet(); }
      listed(e);
      arrive(e, fresh);
      if (fresh) {
        announce(e);
        // this post is told: once per arrival, not again for its updates
        if (e.for_me) notice(title(e) + "：" + words(e), e.at);
      }
      if (e.kind === "vehicle") loadInside();
    };
    es.addEventListener("arrival", on);
    es.addEventListener("update", on);
    es.addEventListener("notice", (ev) => deskNotice(JSON.parse(ev.data), true));
    es.addEventListener("health", (ev) => { cameras = JSON.parse(ev.data); renderCameras(); });
    es.addEventListener("store", (ev) => renderStore(JSON.parse(ev.data)));
  }

  function backToLive() {
    queue.forEach((q) => { q.working = false; });
    if (document.activeElement && queueBox.contains(document.activeElement)) document.activeElement.blur();
    render();
  }

  // Enter ✓ the first card, Esc back to live, R say the first card again
  document.addEventListener("keydown", (ev) => {
    const typing = ev.target.closest && ev.target.closest("input, textarea, select, button, a, form");
    if (ev.key === "Escape") { ev.preventDefault(); backToLive(); return; }
    if (typing || ev.ctrlKey || ev.altKey || ev.metaKey) return;
    const first = shown()[0];
    if (ev.key === "Enter" && first) {
      ev.preventDefault();
      const b = cards.get(first.key) && cards.get(first.key).querySelector("button.ack");
      if (b) b.click();
    } else if ((ev.key === "r" || ev.key === "R") && first) {
      ev.preventDefault();
      sound();
      say(words(first.e), true, true);
    }
  });
  // browsers let a page make sound only after the first touch: any key or click unlocks it
  const unlock = () => { if (speech) sound(); document.body.classList.remove("muted"); };
  document.addEventListener("pointerdown", unlock, { once: true });
  document.addEventListener("keydown", unlock, { once: true });

  $("unpin").addEventListener("click", backToLive);
  const sp = $("speech");
  const setSpeech = () => { sp.textContent = "声音：" + (speech ? "开" : "关"); sp.setAttribute("aria-pressed", speech); };
  sp.addEventListener("click", () => { speech = !speech; localStorage.setItem("gw-speech", speech ? "on" : "off"); setSpeech(); if (speech) { sound(); say("声音提示已打开"); } });
  setSpeech();
  window.addEventListener("resize", () => render());
  tick(); setInterval(tick, 1000);
  setInterval(quietCheck, 10000);
  connect();
})();
