/* A code that arrives in the link's fragment (#code=ABCDE-12345, from a letter's QR
   code or a resume link) never reaches the server or its logs. This script puts it
   into the page's code field, removes it from the address bar and history, and on
   the resume page sends the form. Without JavaScript the code is typed by hand. */
(function () {
  "use strict";
  var match = /^#code=([0-9A-Za-z-]{1,24})$/.exec(window.location.hash || "");
  if (!match) {
    return;
  }
  var field = document.querySelector("[data-code-field]");
  if (window.history && window.history.replaceState) {
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
  }
  if (!field || field.value) {
    return;
  }
  field.value = decodeURIComponent(match[1]).toUpperCase();
  if (field.hasAttribute("data-code-submit") && field.form) {
    field.form.submit();
  }
})();
