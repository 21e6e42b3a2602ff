// keepwarm's keyboard shortcuts: j/k move, o/Enter open, a approve, r reject, e edit, s snooze,
// x select, ? help; in a form, Ctrl+Enter sends it with its main button (save and approve).
// Plain DOM, no dependencies. Approving from the list posts a form that carries the page's CSRF
// token, exactly as a click would. On a draft's page, acting on it moves on to the next one.
(function () {
  "use strict";
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const rows = Array.from(document.querySelectorAll("[data-list] li.draft"));
  const view = document.querySelector(".draftview");
  let current = rows.length ? 0 : -1;

  function mark(i) {
    if (!rows.length) return;
    current = Math.max(0, Math.min(rows.length - 1, i));
    rows.forEach((r, n) => {
      r.classList.toggle("current", n === current);
      if (n === current) r.setAttribute("aria-current", "true");
      else r.removeAttribute("aria-current");
    });
    rows[current].focus({ preventScroll: true });
    rows[current].scrollIntoView({ block: "nearest" });
  }

  function post(action, fields) {
    const form = document.createElement("form");
    form.method = "post";
    form.action = action;
    Object.entries(Object.assign({ csrf: csrf }, fields || {})).forEach(([k, v]) => {
      const input = document.createElement("input");
      input.type = "hidden";
      input.name = k;
      input.value = v;
      form.appendChild(input);
    });
    document.body.appendChild(form);
    form.submit();
  }

  function draftUrl(suffix) {
    // The row's own link: it carries the list's state, so next/previous stay in this list.
    return rows[current].querySelector("a.open").getAttribute("href") + (suffix || "");
  }

  function focusField(id) {
    const el = document.getElementById(id);
    if (!el) return;
    el.focus();
    if (el.tagName === "TEXTAREA") el.setSelectionRange(el.value.length, el.value.length);
    el.scrollIntoView({ block: "center" });
  }

  const selectAll = document.querySelector("[data-select-all]");
  if (selectAll) {
    selectAll.addEventListener("change", () => {
      document.querySelectorAll('input[name="ids"]:not(:disabled)').forEach((b) => {
        b.checked = selectAll.checked;
      });
    });
  }
  document.querySelectorAll("[data-help]").forEach((b) =>
    b.addEventListener("click", () => document.getElementById("help").showModal()));

  if (location.hash === "#reject") focusField("f-reason");
  if (location.hash === "#edit") focusField("f-body");
  if (location.hash === "#snooze") focusField("f-until");
  if (rows.length) mark(0);

  document.addEventListener("keydown", (ev) => {
    if ((ev.ctrlKey || ev.metaKey) && ev.key === "Enter" && ev.target.form) {
      const form = ev.target.form;
      const main = form.querySelector("button.primary") || form.querySelector("button");
      ev.preventDefault();
      form.requestSubmit(main || undefined);
      return;
    }
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const tag = (ev.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select" || ev.target.isContentEditable) {
      if (ev.key === "Escape") ev.target.blur();
      return;
    }
    let handled = true;
    if (ev.key === "?") {
      document.getElementById("help").showModal();
    } else if (rows.length) {
      if (ev.key === "j") mark(current + 1);
      else if (ev.key === "k") mark(current - 1);
      else if (ev.key === "o" || ev.key === "Enter") location.href = draftUrl();
      else if (ev.key === "a") post("/drafts/" + rows[current].dataset.id + "/approve", { back: location.pathname + location.search });
      else if (ev.key === "r") location.href = draftUrl("#reject");
      else if (ev.key === "e") location.href = draftUrl("#edit");
      else if (ev.key === "s") location.href = draftUrl("#snooze");
      else if (ev.key === "x") {
        const box = rows[current].querySelector('input[name="ids"]');
        if (box && !box.disabled) box.checked = !box.checked;
      } else handled = false;
    } else if (view) {
      const next = document.querySelector('a[rel="next"]');
      const prev = document.querySelector('a[rel="prev"]');
      if (ev.key === "j" && next) location.href = next.href;
      else if (ev.key === "k" && prev) location.href = prev.href;
      else if (ev.key === "a") document.getElementById("approve-form").requestSubmit();
      else if (ev.key === "r") focusField("f-reason");
      else if (ev.key === "e") focusField("f-body");
      else if (ev.key === "s") focusField("f-until");
      else handled = false;
    } else handled = false;
    if (handled) ev.preventDefault();
  });
})();
