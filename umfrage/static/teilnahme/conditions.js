/* Live conditions on a questionnaire page: questions appear and disappear as the
   answers they depend on change, and an exclusive option ("Keines davon") unticks
   the others (and is unticked by them). Mirrors fragebogen.validation.validate_page:
   a question sees the other pages' answers and the answers to the relevant
   questions above it on this page. The server decides again when the page is sent;
   without JavaScript every question is shown and the server applies the rules. */
(function () {
  "use strict";

  var E = window.UmfrageExpressions;
  var data = document.getElementById("bedingungen");
  var form = document.getElementById("seitenformular");
  if (!E || !data || !form) {
    return;
  }
  var context = JSON.parse(data.textContent);
  var CHOICES = ["single_choice", "likert", "multiple_choice", "likert_matrix"];

  function decode(value) {
    if (Array.isArray(value)) { return value.map(decode); }
    if (value !== null && typeof value === "object") { return E.choice(value.c[0], value.c[1]); }
    return value;
  }

  var previous = {};
  Object.keys(context.answers).forEach(function (name) {
    previous[name] = decode(context.answers[name]);
  });

  function inputs(name) {
    return Array.prototype.filter.call(form.elements, function (element) {
      return element.name === name;
    });
  }

  function optionChoice(question, raw) {
    var code = Number(raw);
    for (var i = 0; i < question.options.length; i += 1) {
      if (question.options[i][0] === code && String(code) === raw) {
        return E.choice(question.options[i][0], question.options[i][1]);
      }
    }
    return null;
  }

  function number(raw, decimals) {
    var text = raw.trim().replace(",", ".");
    if (!/^-?(\d+(\.\d*)?|\.\d+)$/.test(text)) { return null; }
    var value = Number(text);
    if (decimals === 0 && !Number.isInteger(value)) { return null; }
    return value;
  }

  function valueOf(question, field) {
    var elements = inputs(field.name);
    if (!elements.length) { return null; }
    var chosen = elements.filter(function (element) {
      return element.type === "radio" || element.type === "checkbox" ? element.checked : true;
    }).map(function (element) { return element.value; }).filter(function (value) {
      return value !== "";
    });
    if (!chosen.length) { return null; }
    if (field.kind === "text") { return chosen[0].trim() || null; }
    var type = question.type;
    if (type === "multiple_choice") {
      var list = chosen.map(function (raw) { return optionChoice(question, raw); })
        .filter(function (value) { return value !== null; });
      return list.length ? list : null;
    }
    if (CHOICES.indexOf(type) !== -1) { return optionChoice(question, chosen[0]); }
    if (type === "consent") { return true; }
    if (type === "number") { return number(chosen[0], question.decimals); }
    if (type === "year") { return number(chosen[0], 0); }
    return chosen[0].trim() || null;
  }

  function slotOf(question) {
    return form.querySelector('.question-slot[data-question="' + question.name + '"]');
  }

  function holds(question, answers) {
    if (!question.relevant) { return true; }
    try {
      return E.evaluateBool(question.relevant, answers);
    } catch (error) {
      return true;  // the server decides
    }
  }

  function apply() {
    var answers = Object.assign({}, previous);
    context.questions.forEach(function (question) {
      var shown = holds(question, answers);
      var slot = slotOf(question);
      if (slot) {
        slot.hidden = !shown;
      }
      if (shown) {
        question.fields.forEach(function (field) {
          var value = valueOf(question, field);
          if (value !== null) { answers[field.name] = value; }
        });
      }
    });
  }

  function exclusive(target) {
    if (target.type !== "checkbox" || !target.checked) { return; }
    var group = inputs(target.name).filter(function (element) {
      return element !== target && element.type === "checkbox";
    });
    var isExclusive = target.hasAttribute("data-exclusive");
    group.forEach(function (element) {
      if (isExclusive || element.hasAttribute("data-exclusive")) {
        element.checked = false;
      }
    });
  }

  form.addEventListener("change", function (event) {
    exclusive(event.target);
    apply();
  });
  form.addEventListener("input", apply);
  apply();
})();
