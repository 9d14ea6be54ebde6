/* Designer helpers; every page works without this script.
   - expressions are checked while typing (the server checks them on save anyway)
   - destructive buttons ask for confirmation */
(function () {
  "use strict";

  function csrfToken() {
    var input = document.querySelector("input[name=csrf_token]");
    return input ? input.value : "";
  }

  function showFeedback(field, output, data) {
    output.textContent = "";
    output.classList.remove("is-ok", "is-error");
    if (data.ok) {
      output.textContent = field.dataset.okText || "OK";
      output.classList.add("is-ok");
      field.removeAttribute("aria-invalid");
      return;
    }
    var parts = [];
    data.problems.forEach(function (problem) {
      var text = problem.message;
      if (typeof problem.position === "number") {
        text += " (" + (field.dataset.positionText || "Stelle") + " " + (problem.position + 1) + ")";
      }
      parts.push(text);
    });
    output.textContent = parts.join(" ");
    output.classList.add("is-error");
    field.setAttribute("aria-invalid", "true");
  }

  function check(field, output) {
    var body = new URLSearchParams();
    body.set("place", field.dataset.place);
    body.set("expression", field.value);
    fetch(field.dataset.checkUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "Content-Type": "application/x-www-form-urlencoded" },
      body: body.toString()
    }).then(function (response) {
      return response.json();
    }).then(function (data) {
      showFeedback(field, output, data);
    }).catch(function () { /* the check on save still happens */ });
  }

  document.querySelectorAll("input.expression[data-check-url]").forEach(function (field) {
    var output = document.getElementById(field.id + "-pruefung");
    if (!output) { return; }
    var timer = null;
    field.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { check(field, output); }, 350);
    });
    // Typed before this deferred script ran (a slow machine, a quick user) or
    // restored by the browser: no input event will come for it, so check now.
    if (field.value !== field.defaultValue) { check(field, output); }
  });

  document.querySelectorAll("[data-confirm]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      if (!window.confirm(button.dataset.confirm)) { event.preventDefault(); }
    });
  });
})();
