// The guard's screen: shows each arrival as a big card the moment the server sends it, keeps
// the list of recent ones, speaks the greeting when the guard turns speech on, and lets the
// guard confirm or correct a name and register a visitor. Reconnects by itself.
"use strict";
(function () {
  const G = window.GATE;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const $ = (id) => document.getElementById(id);
  const card = $("card"), list = $("events");
  // pinned: the guard chose a card or is working on it (a form), so new arrivals go to the
  // list and the bar instead of replacing it
  let pinned = false;
  let cameras = [], shown = null, speech = localStorage.getItem("gw-speech") === "on", tz = G.tz;
  // the quiet moment: no arrival for G.quiet_minutes, so the card offers a short review of the
  // residents likely to come in the next hour; the next arrival replaces it
  let lastArrival = Date.now(), quiet = false;

  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") e.className = v;
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v);
    }
    for (const k of kids.flat()) if (k != null) e.append(k.nodeType ? k : String(k));
    return e;
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", "x-csrf-token": csrf },
      body: JSON.stringify(body || {}),
    }).then(async (r) => {
      const text = await r.text();
      if (!r.ok) throw new Error(text.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ").trim());
      return text ? JSON.parse(text) : {};
    });
  }

  // what the card is: its colour class and the big action, both decided by the server's rules
  function kindOf(e) {
    return [e.look, e.headline];
  }

  function title(e) {
    if (e.kind === "vehicle") return e.plate ? e.plate.formatted : "车牌未识别";
    return e.person ? e.person.name : "陌生人 Unknown";
  }

  function local(at) {
    return (at || "").slice(11, 19);
  }

  function photo(e) {
    if (!e.snapshot || !e.frame || !e.frame[0]) return el("div", { class: "photo none" }, "无抓拍");
    const [x1, y1, x2, y2] = e.box, [fw, fh] = e.frame;
    // a face shown with the head and shoulders around it, a plate with its car
    const grow = e.kind === "vehicle" ? 4 : 2.2;
    const cx = (x1 + x2) / 2, cy = (y1 + y2) / 2;
    const side = Math.min(Math.max(x2 - x1, y2 - y1) * grow, fw, fh);
    const left = Math.min(Math.max(cx - side / 2, 0), fw - side), top = Math.min(Math.max(cy - side / 2, 0), fh - side);
    const scale = 100 * fw / side;
    const div = el("div", { class: "photo", role: "img", "aria-label": "抓拍 " + title(e) });
    div.style.backgroundImage = "url('/files/" + encodeURI(e.snapshot) + "')";
    div.style.backgroundSize = scale + "% auto";
    div.style.backgroundPosition = (side >= fw ? 0 : (100 * left / (fw - side))) + "% " + (side >= fh ? 0 : (100 * top / (fh - side))) + "%";
    return div;
  }

  function speak(text) {
    if (!speech || !text || !window.speechSynthesis) return;
    const u = new SpeechSynthesisUtterance(text);
    u.lang = "zh-CN";
    speechSynthesis.cancel();
    speechSynthesis.speak(u);
  }

  function show(e) {
    shown = e;
    const [cls, action] = kindOf(e);
    card.className = "card " + cls;
    card.dataset.event = e.id || "";
    card.replaceChildren(
      el("div", { class: "head" },
        el("span", { class: "badge" }, action),
        el("span", { class: "meta" }, local(e.at) + " · " + e.camera + (e.direction_zh ? " · " + e.direction_zh : ""))),
      el("div", { class: "body" },
        photo(e),
        el("div", { class: "words" },
          el("p", { class: "who" }, title(e),
            e.person ? el("small", {}, " " + e.person.class_zh) : null,
            e.plate ? el("small", {}, " " + e.plate.colour_zh + (e.plate.large ? " · 大型车" : "")) : null),
          e.say ? el("p", { class: "say" }, e.say) : null,
          el("ul", { class: "actions" }, (e.actions || []).map((a) => el("li", {}, a))),
          e.notify_zh && e.notify_zh.length ? el("p", { class: "notify" }, "已通知：" + e.notify_zh.join("、")) : null,
          tools(e))));
    if (e.kind === "person" && !e.person) card.append(visitorScript(e));
  }

  // confirm or correct the name the camera gave
  function tools(e) {
    if (e.kind !== "person" || !e.id) return null;
    const box = el("div", { class: "tools" });
    const said = el("p", { class: "done", role: "status" });
    const confirm = el("button", { type: "button", class: "ok", onclick: () =>
      post("/api/events/" + e.id + "/confirm").then(() => { said.textContent = "已确认 ✓"; }, (err) => { said.textContent = err.message; }) }, "✓ 认对了");
    const wrong = el("button", { type: "button", class: "no", onclick: () => box.append(correction(e, said)) }, e.person ? "✗ 不是" + e.person.name : "✗ 其实认识");
    box.append(e.person ? confirm : "", wrong, said);
    return box;
  }

  function correction(e, said) {
    const f = el("form", { class: "correct" });
    const q = el("input", { name: "q", placeholder: "输入姓名或房号 (name or room)", autocomplete: "off" });
    const found = el("ul", { class: "found" });
    const choose = (person) => post("/api/events/" + e.id + "/correct", { person_id: person ? person.id : null, sighting: e.sighting || null })
      .then(() => { said.textContent = "已更正为 " + (person ? person.name : "陌生人"); f.remove(); if (!person) card.append(visitorScript(e)); },
            (err) => { said.textContent = err.message; });
    q.addEventListener("input", () => {
      if (!q.value.trim()) { found.replaceChildren(); return; }
      fetch("/api/people?q=" + encodeURIComponent(q.value.trim())).then((r) => r.json()).then((people) => {
        found.replaceChildren(...people.map((p) => el("li", {}, el("button", { type: "button", onclick: () => choose(p) }, p.name + " " + (p.household || "") + " " + p.class_zh))));
      });
    });
    f.append(el("label", {}, "是谁？ Who is it?", q), found,
      e.person ? el("button", { type: "button", onclick: () => choose(null) }, "不认识的人 (a stranger)") : "");
    f.addEventListener("submit", (ev) => ev.preventDefault());
    return f;
  }

  // the visitor script of SPEC §2 and the registration form
  function visitorScript(e) {
    const steps = el("ol", { class: "script" }, [G.first, ...G.script].map((s) => el("li", {}, s)));
    const form = el("form", { class: "register", id: "register" });
    const purpose = el("select", { name: "purpose" }, G.purposes.map(([k, zh]) => el("option", { value: k }, zh)));
    const result = el("p", { class: "done", role: "status" });
    form.append(
      el("label", {}, "房号 Room", el("input", { name: "room", placeholder: "例如 3-2-1502", required: "" })),
      el("label", {}, "贵姓 Surname", el("input", { name: "surname", required: "" })),
      el("label", {}, "来访事由 Purpose", purpose),
      el("label", { class: "check" }, el("input", { type: "checkbox", name: "id_checked" }), "已查验并登记有效证件"),
      el("div", { class: "choices" },
        el("button", { type: "submit", name: "confirmed", value: "yes", class: "ok" }, "业主已确认，放行"),
        el("button", { type: "submit", name: "confirmed", value: "no", class: "no" }, "无法联络业主")),
      result);
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const confirmed = ev.submitter && ev.submitter.value === "yes";
      const d = new FormData(form);
      post("/api/visitors", {
        room: d.get("room"), surname: d.get("surname"), purpose: d.get("purpose"),
        id_checked: d.get("id_checked") === "on", resident_confirmed: confirmed, event_id: e.id || null,
      }).then((r) => {
        result.textContent = r.message;
        if (!confirmed) { speak(G.unreachable); }
        form.querySelectorAll("button").forEach((b) => { b.disabled = true; });
      }, (err) => { result.textContent = err.message; });
    });
    return el("section", { class: "visitor" }, el("h3", {}, "访客问询 Visitor script"), steps, form);
  }

  function pin(on, why) {
    pinned = on;
    $("pinbar").hidden = !on;
    if (why) $("pinmsg").textContent = why;
  }

  function item(e) {
    const [cls] = kindOf(e);
    const li = el("li", { class: cls + (e.for_me ? " for-me" : ""), tabindex: "0", onclick: () => { show(e); pin(true, "正在查看这一条，新的到达不会盖住它"); } },
      el("time", {}, local(e.at)), " ", title(e), " ", el("small", {}, e.label_zh));
    li.dataset.key = e.camera + "/" + e.kind + "/" + e.track;
    return li;
  }

  function add(e) {
    const key = e.camera + "/" + e.kind + "/" + e.track;
    const old = [...list.children].find((li) => li.dataset.key === key);
    if (old) old.replaceWith(item(e)); else list.prepend(item(e));
    while (list.children.length > 40) list.lastChild.remove();
    if (e.for_me) notice(e);
  }

  function notice(e) {
    $("notices").hidden = false;
    $("notice-list").prepend(el("li", {}, local(e.at) + " " + title(e) + "：" + (e.say || (e.actions || [])[0] || "")));
  }

  // a registration or alert another post made that the rules route to this post
  function deskNotice(n) {
    $("notices").hidden = false;
    $("notice-list").prepend(el("li", { class: "desk" }, local(n.at) + " " + n.text + (n.by ? "（" + n.by + "）" : "")));
  }

  function renderCameras() {
    const bad = cameras.filter((c) => c.state !== "live");
    $("cameras").textContent = "摄像头 " + (cameras.length - bad.length) + "/" + cameras.length + " 在线" +
      (bad.length ? "（" + bad.map((c) => c.name + " " + c.state_zh).join("，") + "）" : "");
    $("cameras").className = bad.length ? "warn" : "";
  }

  function tick() {
    const now = new Date();
    // the gate's time, whatever the browser's time zone
    $("clock").textContent = now.toLocaleTimeString("zh-CN", { hour12: false, timeZone: tz });
  }

  function load() {
    return fetch("/api/state").then((r) => r.json()).then((s) => {
      $("shift").textContent = s.shift_zh;
      $("gate-open").textContent = s.gate_hours_zh;
      cameras = s.cameras; renderCameras();
      list.replaceChildren();
      $("notice-list").replaceChildren();
      s.notices.slice().reverse().forEach(deskNotice);
      s.recent.slice().reverse().forEach(add);
      // the gate has been quiet since its last arrival, however long ago the page was opened
      const last = s.recent.length ? Date.parse(s.recent[0].at) : NaN;
      if (!Number.isNaN(last)) lastArrival = last;
      if (!shown && !quiet && s.recent.length) show(s.recent[0]);
    });
  }

  function quietCheck() {
    if (pinned || quiet || Date.now() - lastArrival < G.quiet_minutes * 60000) return;
    quiet = true;
    fetch("/api/training/soon").then((r) => r.json()).then((s) => {
      if (!quiet) return;
      shown = null;
      card.className = "card quiet";
      const slot = el("div", { class: "trainer" });
      const go = () => { begin.remove(); Trainer.start(slot, s.people.length ? { focus: "soon" } : {}); };
      const begin = el("button", { type: "button", class: "ok", id: "quiet-start", onclick: go }, "开始复习");
      card.replaceChildren(
        el("h2", {}, "门口清闲，复习一下住户吧"),
        s.people.length
          ? el("p", {}, "接下来一小时可能经过大门的住户：")
          : el("p", {}, "按计划复习到期的卡片。"),
        el("ul", { class: "soon" }, s.people.map((p) => el("li", {},
          p.face ? el("img", { class: "thumb", src: p.face, alt: p.name }) : null,
          el("b", {}, p.name), " ", p.household || "", " ", el("small", {}, (p.habits || []).join("；"))))),
        begin, slot);
    }, () => { quiet = false; });
  }

  function connect() {
    const es = new EventSource("/api/stream");
    const link = $("link");
    es.onopen = () => { link.textContent = "实时 Live"; link.className = "link-state ok"; load(); };
    es.onerror = () => { link.textContent = "连接中断，正在重连… (reconnecting)"; link.className = "link-state bad"; };
    const on = (ev) => {
      const e = JSON.parse(ev.data);
      // an arrival proves its camera is live, whatever the last health report said
      const cam = cameras.find((c) => c.name === e.camera);
      if (cam && cam.state !== "live") { cam.state = "live"; renderCameras(); }
      if (ev.type === "arrival") { lastArrival = Date.now(); quiet = false; }
      add(e);
      const same = shown && shown.camera === e.camera && shown.track === e.track && shown.kind === e.kind;
      if (pinned) {
        if (ev.type === "arrival") {
          $("pinmsg").textContent = "新到达：" + title(e) + "（在右侧列表，点“回到实时”查看）";
          speak(e.say || (e.actions || [])[0]);
        }
      } else if (ev.type === "arrival" || same) {
        show(e);
        if (ev.type === "arrival") speak(e.say || (e.actions || [])[0]);
      }
    };
    es.addEventListener("arrival", on);
    es.addEventListener("update", on);
    es.addEventListener("notice", (ev) => { const n = JSON.parse(ev.data); deskNotice(n); speak(n.text); });
    es.addEventListener("health", (ev) => { cameras = JSON.parse(ev.data); renderCameras(); });
  }

  // typing or choosing in the card keeps it: a registration is not lost to the next arrival
  card.addEventListener("focusin", (ev) => {
    // a quiet-moment review gives way to the next arrival
    if (ev.target.closest(".quiet")) return;
    if (!pinned) pin(true, "正在登记/更正，新的到达不会盖住这一条");
  });
  $("unpin").addEventListener("click", () => {
    // the newest arrival again, and new ones replace it as they come
    const first = list.firstElementChild;
    if (first) first.click();
    pin(false);
  });
  const sp = $("speech");
  const setSpeech = () => { sp.textContent = "语音提示：" + (speech ? "开" : "关"); sp.setAttribute("aria-pressed", speech); };
  sp.addEventListener("click", () => { speech = !speech; localStorage.setItem("gw-speech", speech ? "on" : "off"); setSpeech(); if (speech) speak("语音提示已打开"); });
  setSpeech();
  tick(); setInterval(tick, 1000);
  setInterval(quietCheck, 10000);
  connect();
})();
