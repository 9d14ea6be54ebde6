/* Live conditions on a questionnaire page: questions appear and disappear as the
   answers they depend on change, and an exclusive option ("Keines davon") unticks
   the others (and is unticked by them). Mirrors fragebogen.validation.validate_page:
   a question sees the other pages' answers and the answers to the relevant
   questions above it on this page. The server decides again when the page is sent;
   without JavaScript every question is shown and the server applies the rules.
   Texts that show an answer given on this page (<span data-answer="name">, see
   umfrage/teilnahme/shown_answers.py) follow it as it is typed, written as the
   server writes them. */
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

  // ---- answers shown in texts

  var onPage = {};
  context.questions.forEach(function (question) {
    question.fields.forEach(function (field) {
      onPage[field.name] = {question: question, field: field};
    });
  });
  var shownAnswers = Array.prototype.filter.call(
    document.querySelectorAll("[data-answer]"),
    function (element) {
      return Object.prototype.hasOwnProperty.call(onPage, element.getAttribute("data-answer"));
    }
  );

  function plainDigits(value) {
    // the shortest decimal that reads back as value, without an exponent (the
    // digits Python's str() gives, which babel rounds)
    var text = String(value);
    if (text.indexOf("e") === -1) { return text; }
    return value < 1 ? "0" : BigInt(Math.round(value)).toString();
  }

  function roundHalfEven(whole, fraction, places) {
    if (fraction.length <= places) { return [whole, fraction]; }
    var rest = fraction.slice(places);
    var digits = (whole + fraction.slice(0, places)).split("").map(Number);
    var up = rest[0] > "5" || (rest[0] === "5" &&
      (/[1-9]/.test(rest.slice(1)) || digits[digits.length - 1] % 2 === 1));
    for (var i = digits.length - 1; up && i >= 0; i -= 1) {
      digits[i] = (digits[i] + 1) % 10;
      up = digits[i] === 0;
    }
    if (up) { digits.unshift(1); }
    var all = digits.join("");
    return [all.slice(0, all.length - places), all.slice(all.length - places)];
  }

  function formatNumber(value) {
    // as babel's format_decimal: half-even to at most three decimals, groups of
    // three, the separators of the respondent's language
    var symbols = context.numbers;
    var parts = plainDigits(Math.abs(value)).split(".");
    var rounded = roundHalfEven(parts[0], parts[1] || "", 3);
    var whole = rounded[0].replace(/\B(?=(\d{3})+(?!\d))/g, symbols.group);
    var fraction = rounded[1].replace(/0+$/, "");
    var negative = value < 0 || Object.is(value, -0);
    return (negative ? symbols.minus : "") + whole +
      (fraction ? symbols.decimal + fraction : "");
  }

  function formatDay(iso) {
    var parts = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
    if (!parts) { return iso; }
    var day = new Date(Date.UTC(+parts[1], +parts[2] - 1, +parts[3]));
    try {
      return new Intl.DateTimeFormat(context.language + "-u-nu-latn", {
        dateStyle: "long", timeZone: "UTC"
      }).format(day);
    } catch (error) {
      return iso;
    }
  }

  function optionLabel(question, value) {
    return value && value.choice ? question.labels[String(value.code)] || "" : "";
  }

  function shownText(name, answers) {
    var entry = onPage[name];
    var question = entry.question;
    var value = answers[name];
    if (value === undefined || value === null) { return ""; }
    if (entry.field.kind === "text") { return String(value); }
    var other = answers[question.name + "_other"];
    function isOther(element) { return element.code === question.other; }
    if (question.type === "multiple_choice") {
      var labels = value.map(function (element) { return optionLabel(question, element); });
      if (other && value.some(isOther)) { labels.push(String(other)); }
      return labels.join(", ");
    }
    if (CHOICES.indexOf(question.type) !== -1) {
      var label = optionLabel(question, value);
      return other && isOther(value) ? label + ": " + other : label;
    }
    if (question.type === "district") {
      var select = inputs(name).filter(function (element) { return element.tagName === "SELECT"; })[0];
      return select && select.selectedIndex >= 0 ? select.options[select.selectedIndex].text : String(value);
    }
    if (question.type === "consent") { return context.consent; }
    if (question.type === "number") { return formatNumber(value); }
    if (question.type === "date") { return formatDay(String(value)); }
    return String(value);
  }

  function showAnswers(answers) {
    shownAnswers.forEach(function (element) {
      var text = shownText(element.getAttribute("data-answer"), answers);
      if (element.textContent !== text) { element.textContent = text; }
    });
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
    showAnswers(answers);
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

  // the page's number and date formats, for other scripts (and the tests
  // comparing them with the server's)
  window.UmfrageConditions = {formatNumber: formatNumber, formatDay: formatDay};

  form.addEventListener("change", function (event) {
    exclusive(event.target);
    apply();
  });
  form.addEventListener("input", apply);
  apply();
})();
