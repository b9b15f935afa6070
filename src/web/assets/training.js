// Training cards: asks the next card from /api/training/next, sends the guard's pick to
// /api/training/answer, then shows whether it was right, the study sheet (address, family,
// cars, habits from the gate log) and when the card comes back. Used by the review page and by
// the guard's screen in a quiet moment: Trainer.start(element, {exercise, focus}). An element
// of the page marked data-start (with data-exercise, data-focus) is started when it loads.
"use strict";
window.Trainer = (function () {
  const csrf = document.querySelector('meta[name="csrf-token"]').content;

  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v == null || v === false) continue;
      if (k === "class") e.className = v;
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? "" : v);
    }
    for (const k of kids.flat()) if (k != null) e.append(k.nodeType ? k : String(k));
    return e;
  }

  async function call(url, body) {
    const r = await fetch(url, body === undefined ? {} : {
      method: "POST",
      headers: { "content-type": "application/json", "x-csrf-token": csrf },
      body: JSON.stringify(body),
    });
    const text = await r.text();
    if (!r.ok) throw new Error(text.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ").trim() || r.statusText);
    return JSON.parse(text);
  }

  const KIND_ZH = { due: "复习", new: "新卡", practice: "练习" };

  // the DOM's replaceChildren writes "null" for a missing part
  function fill(root, ...kids) { root.replaceChildren(...kids.filter((k) => k != null)); }

  function start(root, opts) {
    opts = opts || {};
    let answered = 0, practice = false;

    function state(s) { root.dataset.state = s; }

    function problem(err) {
      state("error");
      fill(root, el("p", { class: "problem", role: "alert" }, "出错了：" + err.message),
        el("button", { type: "button", onclick: next }, "再试一次"));
    }

    function next() {
      const q = new URLSearchParams();
      if (opts.exercise) q.set("exercise", opts.exercise);
      if (opts.focus) q.set("focus", opts.focus);
      if (practice) q.set("practice", "true");
      state("loading");
      call("/api/training/next?" + q).then(ask, problem);
    }

    function counts(n) {
      return el("p", { class: "meta counts" }, el("span", { class: "answered" }, "本次已答 " + answered + " 张"),
        " · 待复习 " + n.due + " 张 · 今天还可学新卡 " + n.new_left + " 张");
    }

    function ask(n) {
      if (!n.card) {
        state("done");
        fill(root,
          el("p", { class: "all-done" }, "今天的复习已完成，做得好！"),
          n.next_due_zh ? el("p", {}, "下一张复习在 " + n.next_due_zh + "。") : null,
          counts(n),
          el("button", { type: "button", onclick: () => { practice = true; next(); } }, "再多练几张"));
        return;
      }
      const c = n.card;
      state("question");
      root.dataset.exercise = c.exercise;
      const picked = new Set();
      const choices = el("div", { class: "choices" + (c.choices.some((x) => x.face) ? " faces" : "") });
      const send = () => answer(c, [...picked], choices);
      for (const ch of c.choices) {
        const label = ch.face ? el("img", { src: ch.face, alt: "候选照片" }) : ch.label;
        if (c.several) {
          const box = el("input", { type: "checkbox", value: ch.id });
          box.addEventListener("change", () => { if (box.checked) picked.add(ch.id); else picked.delete(ch.id); });
          choices.append(el("label", { class: "choice several" }, box, " ", label));
        } else {
          choices.append(el("button", { type: "button", class: "choice", "data-id": ch.id,
            onclick: () => { picked.clear(); picked.add(ch.id); send(); } }, label));
        }
      }
      fill(root,
        el("p", { class: "meta" }, c.exercise_zh + " · " + (KIND_ZH[c.kind] || "")),
        el("h2", { class: "prompt" }, c.prompt),
        c.face ? el("img", { class: "face", src: c.face, alt: "要认的人" }) : null,
        choices,
        c.several ? el("button", { type: "button", class: "ok submit", onclick: () => {
          if (!picked.size) { alert("请至少选一位"); return; }
          send();
        } }, "确定") : null,
        counts(n));
    }

    function answer(c, picked, choices) {
      for (const b of choices.querySelectorAll("button, input")) b.disabled = true;
      call("/api/training/answer", { exercise: c.exercise, person: c.person, household: c.household, picked })
        .then((a) => shown(c, a, picked, choices), problem);
    }

    function line(label, value) {
      if (!value || (Array.isArray(value) && !value.length)) return null;
      return el("li", {}, el("b", {}, label + "："), Array.isArray(value) ? value.join("；") : value);
    }

    function shown(c, a, picked, choices) {
      answered += 1;
      state("answered");
      const count = root.querySelector(".counts .answered");
      if (count) count.textContent = "本次已答 " + answered + " 张";
      for (const b of choices.querySelectorAll(".choice")) {
        const id = b.dataset.id || (b.querySelector("input") || {}).value;
        if (a.right_ids.includes(id)) b.classList.add("right");
        else if (picked.includes(id)) b.classList.add("wrong");
      }
      const s = a.sheet;
      const sheet = s ? el("div", { class: "sheet" },
        el("div", { class: "faces" }, s.faces.map((f) => el("img", { src: f, alt: s.name }))),
        el("ul", {},
          line("姓名", s.name + (s.title ? "（" + s.title + "）" : "") + (s.class ? " · " + s.class : "")),
          line("住址", s.household !== s.name ? s.household : null),
          line(c.household ? "住户" : "同住", s.housemates),
          line("车辆", s.plates),
          line("习惯", s.habits),
          line("备注", s.notes))) : null;
      root.append(el("div", { class: "verdict " + (a.correct ? "right" : "wrong"), role: "status" },
        el("p", { class: "said" }, a.correct ? "✓ 答对了" : "✗ 答错了，正确答案：" + a.right),
        el("p", { class: "meta" }, "这张卡 " + a.again_zh + " 再复习" + (a.secure ? "（已掌握）" : "") +
          " · 已认识 " + a.progress.known + "/" + a.progress.total + " 户（" + a.progress.percent + "%）"),
        sheet,
        el("button", { type: "button", class: "ok next", onclick: next }, "下一张")));
      const btn = root.querySelector("button.next");
      if (btn) btn.focus({ preventScroll: true });
    }

    next();
  }

  return { start };
})();

for (const root of document.querySelectorAll(".trainer[data-start]")) {
  window.Trainer.start(root, { exercise: root.dataset.exercise, focus: root.dataset.focus });
}
