// A draft with a [[placeholder]] left: select the first one in the editor, so typing replaces it.
(function () {
  "use strict";
  var body = document.querySelector("textarea.has-placeholder[data-placeholder]");
  if (!body) return;
  var at = body.value.indexOf(body.dataset.placeholder);
  if (at < 0) return;
  body.focus();
  body.setSelectionRange(at, at + body.dataset.placeholder.length);
})();
