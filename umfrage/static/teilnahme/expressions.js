/* The questionnaire expression language in the browser: a line-by-line mirror of
   fragebogen/expressions.py (tokenizer, parser, evaluator), so that relevance,
   exclusive options and computed texts react while the respondent types. The
   server stays the authority: it evaluates every condition again on submit.
   tests/fragebogen/test_expressions_js.py feeds the same generated expressions and
   answers to both evaluators and requires identical results; change both together.

   Values: null (unanswered), numbers, strings, booleans, arrays and choices
   ({choice: true, code: 3, value: "paar"}, see Python's Choice). */
(function (root) {
  "use strict";

  var MAX_LENGTH = 2000;
  var MAX_DEPTH = 40;
  var MAX_TREE_DEPTH = 200;
  var FUNCTIONS = {
    "selected": [2, 2], "count-selected": [1, 1], "string-length": [1, 1],
    "not": [1, 1], "true": [0, 0], "false": [0, 0], "if": [3, 3],
    "coalesce": [2, 2], "number": [1, 1]
  };
  var COMPARISONS = ["=", "!=", "<", "<=", ">", ">="];
  var KEYWORDS = ["and", "or", "div", "mod"];

  // Python's str.isspace() characters (what \s, split() and strip() use there)
  var SPACES = "\t\n\u000b\u000c\r\u001c\u001d\u001e\u001f \u0085\u00a0\u1680" +
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" +
    "\u2028\u2029\u202f\u205f\u3000";
  var DIGIT = /\p{Nd}/u;

  function ExpressionError(code, position) {
    this.name = "ExpressionError";
    this.code = code;
    this.position = position;
    this.message = code + " at " + position;
  }
  ExpressionError.prototype = Object.create(Error.prototype);

  function isSpace(ch) { return ch !== undefined && SPACES.indexOf(ch) !== -1; }
  function isDigit(ch) { return ch !== undefined && DIGIT.test(ch); }
  function isAsciiLetter(ch) { return ch !== undefined && /[A-Za-z_]/.test(ch); }
  function isWordChar(ch) { return ch !== undefined && /[A-Za-z0-9_]/.test(ch); }

  function codePoints(text) { return Array.from(text); }

  function digitValue(ch) {
    // decimal digits come in runs of whole 0–9 sets (Unicode guarantees it)
    var code = ch.codePointAt(0);
    var run = 0;
    while (isDigit(String.fromCodePoint(code - run - 1))) { run += 1; }
    return run % 10;
  }

  function asciiDigits(text) {
    return codePoints(text).map(function (ch) {
      return isDigit(ch) ? String(digitValue(ch)) : ch;
    }).join("");
  }

  function strip(text) {
    var chars = codePoints(text);
    var start = 0;
    var end = chars.length;
    while (start < end && isSpace(chars[start])) { start += 1; }
    while (end > start && isSpace(chars[end - 1])) { end -= 1; }
    return chars.slice(start, end).join("");
  }

  function split(text) {
    var words = [];
    var current = "";
    codePoints(text).forEach(function (ch) {
      if (isSpace(ch)) {
        if (current) { words.push(current); }
        current = "";
      } else {
        current += ch;
      }
    });
    if (current) { words.push(current); }
    return words;
  }

  // -- tokenizer (over code points, as Python indexes strings) --------------------

  function tokenize(text) {
    var chars = codePoints(text);
    var tokens = [];
    var i = 0;
    var n = chars.length;
    function push(kind, value, position) {
      tokens.push({kind: kind, text: value, position: position});
    }
    function digitsFrom(j) { while (j < n && isDigit(chars[j])) { j += 1; } return j; }
    function nameFrom(j) {
      // [A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z_][A-Za-z0-9_]*)*
      j += 1;
      while (j < n && isWordChar(chars[j])) { j += 1; }
      while (j + 1 < n && chars[j] === "-" && isAsciiLetter(chars[j + 1])) {
        j += 2;
        while (j < n && isWordChar(chars[j])) { j += 1; }
      }
      return j;
    }
    while (i < n) {
      var ch = chars[i];
      if (ch === "=" && chars[i + 1] === "=") { throw new ExpressionError("unexpected_character", i); }
      var j;
      if (isSpace(ch)) {
        j = i;
        while (j < n && isSpace(chars[j])) { j += 1; }
        i = j;
        continue;
      }
      if (isDigit(ch)) {
        j = digitsFrom(i);
        if (chars[j] === ".") { j = digitsFrom(j + 1); }
        push("number", chars.slice(i, j).join(""), i);
        i = j;
        continue;
      }
      if (ch === "." && isDigit(chars[i + 1])) {
        j = digitsFrom(i + 1);
        push("number", chars.slice(i, j).join(""), i);
        i = j;
        continue;
      }
      if (ch === "'" || ch === "\"") {
        j = chars.indexOf(ch, i + 1);
        if (j === -1) { throw new ExpressionError("unterminated_string", i); }
        push("string", chars.slice(i, j + 1).join(""), i);
        i = j + 1;
        continue;
      }
      if (ch === "$" && chars[i + 1] === "{") {
        j = i + 2;
        while (j < n && isSpace(chars[j])) { j += 1; }
        var start = j;
        if (isAsciiLetter(chars[j])) {
          j += 1;
          while (j < n && isWordChar(chars[j])) { j += 1; }
          var end = j;
          while (j < n && isSpace(chars[j])) { j += 1; }
          if (chars[j] === "}") {
            push("ref", chars.slice(start, end).join(""), i);
            i = j + 1;
            continue;
          }
        }
        throw new ExpressionError("bad_reference", i);
      }
      if (isAsciiLetter(ch)) {
        j = nameFrom(i);
        push("name", chars.slice(i, j).join(""), i);
        i = j;
        continue;
      }
      var two = ch + (chars[i + 1] || "");
      if (two === "<=" || two === ">=" || two === "!=") {
        push("op", two, i);
        i += 2;
        continue;
      }
      if ("=<>+-*".indexOf(ch) !== -1) {
        push("op", ch, i);
        i += 1;
        continue;
      }
      if ("(),.".indexOf(ch) !== -1) {
        push(ch, ch, i);
        i += 1;
        continue;
      }
      throw new ExpressionError("unexpected_character", i);
    }
    push("end", "", n);
    return tokens;
  }

  // -- parser ---------------------------------------------------------------------

  function Parser(text) {
    this.tokens = tokenize(text);
    this.index = 0;
    this.depth = 0;
  }
  Parser.prototype.token = function () { return this.tokens[this.index]; };
  Parser.prototype.advance = function () { return this.tokens[this.index++]; };
  Parser.prototype.at = function (kind, text) {
    var token = this.token();
    return token.kind === kind && (text === undefined || token.text === text);
  };
  Parser.prototype.atKeyword = function (word) { return this.at("name", word); };
  Parser.prototype.fail = function () {
    var token = this.token();
    return new ExpressionError(token.kind === "end" ? "unexpected_end" : "unexpected_token", token.position);
  };
  Parser.prototype.enter = function () {
    this.depth += 1;
    if (this.depth > MAX_DEPTH) { throw new ExpressionError("too_deep", this.token().position); }
  };
  Parser.prototype.leave = function () { this.depth -= 1; };
  Parser.prototype.parse = function () {
    if (this.at("end")) { throw new ExpressionError("empty", 0); }
    var expression = this.parseOr();
    if (!this.at("end")) { throw this.fail(); }
    return expression;
  };
  Parser.prototype.parseOr = function () {
    var left = this.parseAnd();
    while (this.atKeyword("or")) {
      this.advance();
      left = {type: "binary", op: "or", left: left, right: this.parseAnd()};
    }
    return left;
  };
  Parser.prototype.parseAnd = function () {
    var left = this.parseNot();
    while (this.atKeyword("and")) {
      this.advance();
      left = {type: "binary", op: "and", left: left, right: this.parseNot()};
    }
    return left;
  };
  Parser.prototype.parseNot = function () {
    if (this.atKeyword("not") && this.tokens[this.index + 1].kind !== "(") {
      this.enter();
      this.advance();
      var operand = this.parseNot();
      this.leave();
      return {type: "call", name: "not", args: [operand]};
    }
    return this.parseComparison();
  };
  Parser.prototype.parseComparison = function () {
    var left = this.parseAdditive();
    if (this.at("op") && COMPARISONS.indexOf(this.token().text) !== -1) {
      var op = this.advance().text;
      left = {type: "binary", op: op, left: left, right: this.parseAdditive()};
      if (this.at("op") && COMPARISONS.indexOf(this.token().text) !== -1) {
        throw new ExpressionError("chained_comparison", this.token().position);
      }
    }
    return left;
  };
  Parser.prototype.parseAdditive = function () {
    var left = this.parseMultiplicative();
    while (this.at("op", "+") || this.at("op", "-")) {
      var op = this.advance().text;
      left = {type: "binary", op: op, left: left, right: this.parseMultiplicative()};
    }
    return left;
  };
  Parser.prototype.parseMultiplicative = function () {
    var left = this.parseUnary();
    while (this.at("op", "*") || this.atKeyword("div") || this.atKeyword("mod")) {
      var op = this.advance().text;
      left = {type: "binary", op: op, left: left, right: this.parseUnary()};
    }
    return left;
  };
  Parser.prototype.parseUnary = function () {
    if (this.at("op", "-")) {
      this.enter();
      this.advance();
      var operand = this.parseUnary();
      this.leave();
      return {type: "negation", operand: operand};
    }
    return this.parsePrimary();
  };
  Parser.prototype.parsePrimary = function () {
    var token = this.token();
    if (token.kind === "number") {
      this.advance();
      return {type: "literal", value: Number(asciiDigits(token.text))};
    }
    if (token.kind === "string") {
      this.advance();
      var chars = codePoints(token.text);
      return {type: "literal", value: chars.slice(1, chars.length - 1).join("")};
    }
    if (token.kind === "ref") {
      this.advance();
      return {type: "reference", name: token.text};
    }
    if (token.kind === ".") {
      this.advance();
      return {type: "current"};
    }
    if (token.kind === "(") {
      this.enter();
      this.advance();
      var inner = this.parseOr();
      if (!this.at(")")) { throw this.fail(); }
      this.advance();
      this.leave();
      return inner;
    }
    if (token.kind === "name") { return this.parseCall(); }
    throw this.fail();
  };
  Parser.prototype.parseCall = function () {
    var token = this.advance();
    var name = token.text;
    if (KEYWORDS.indexOf(name) !== -1 || (name === "not" && !this.at("("))) {
      this.index -= 1;
      throw this.fail();
    }
    if (!Object.prototype.hasOwnProperty.call(FUNCTIONS, name)) {
      throw new ExpressionError(this.at("(") ? "unknown_function" : "bare_name", token.position);
    }
    if (!this.at("(")) { throw this.fail(); }
    this.enter();
    this.advance();
    var args = [];
    if (!this.at(")")) {
      args.push(this.parseOr());
      while (this.at(",")) {
        this.advance();
        args.push(this.parseOr());
      }
    }
    if (!this.at(")")) { throw this.fail(); }
    this.advance();
    this.leave();
    var range = FUNCTIONS[name];
    if (args.length < range[0] || args.length > range[1]) {
      throw new ExpressionError("wrong_argument_count", token.position);
    }
    return {type: "call", name: name, args: args};
  };

  function treeDepth(node) {
    var deepest = 0;
    var stack = [[node, 1]];
    while (stack.length) {
      var item = stack.pop();
      var current = item[0];
      var depth = item[1];
      if (depth > deepest) { deepest = depth; }
      if (current.type === "negation") { stack.push([current.operand, depth + 1]); }
      else if (current.type === "binary") {
        stack.push([current.left, depth + 1], [current.right, depth + 1]);
      } else if (current.type === "call") {
        current.args.forEach(function (arg) { stack.push([arg, depth + 1]); });
      }
    }
    return deepest;
  }

  var cache = new Map();

  function parse(text) {
    if (typeof text !== "string") { throw new ExpressionError("not_text", 0); }
    if (codePoints(text).length > MAX_LENGTH) { throw new ExpressionError("too_long", MAX_LENGTH); }
    if (cache.has(text)) { return cache.get(text); }
    var expression = new Parser(text).parse();
    if (treeDepth(expression) > MAX_TREE_DEPTH) { throw new ExpressionError("too_complex", 0); }
    if (cache.size > 2000) { cache.clear(); }
    cache.set(text, expression);
    return expression;
  }

  function references(text) {
    var found = [];
    var stack = [parse(text)];
    while (stack.length) {
      var node = stack.pop();
      if (node.type === "reference" && found.indexOf(node.name) === -1) { found.push(node.name); }
      else if (node.type === "negation") { stack.push(node.operand); }
      else if (node.type === "binary") { stack.push(node.left, node.right); }
      else if (node.type === "call") { stack.push.apply(stack, node.args); }
    }
    return found;
  }

  // -- semantics ------------------------------------------------------------------

  function choice(code, value) { return {choice: true, code: code, value: value}; }
  function isChoice(value) { return value !== null && typeof value === "object" && value.choice === true; }
  function isNumber(value) { return typeof value === "number"; }
  function isList(value) { return Array.isArray(value); }

  function isEmpty(value) {
    if (value === null || value === undefined) { return true; }
    if (typeof value === "string") { return value === ""; }
    if (isList(value)) { return value.length === 0; }
    return false;
  }

  var NUMERIC = /^-?(?:\p{Nd}+(?:\.\p{Nd}*)?|\.\p{Nd}+)$/u;

  function isNumeric(text) { return NUMERIC.test(strip(text)); }

  function toNumber(value) {
    if (typeof value === "boolean") { return value ? 1 : 0; }
    if (isNumber(value)) { return value; }
    if (isChoice(value)) { return value.code; }
    if (typeof value === "string") {
      return isNumeric(value) ? Number(asciiDigits(strip(value))) : NaN;
    }
    if (isList(value) && value.length === 1) { return toNumber(value[0]); }
    return NaN;
  }

  function formatNumber(number) {
    // Python: str(int(n)) for whole numbers, repr(n) otherwise
    if (Number.isNaN(number)) { return "NaN"; }
    if (number === Infinity) { return "Infinity"; }
    if (number === -Infinity) { return "-Infinity"; }
    if (Number.isInteger(number)) { return BigInt(number).toString(); }
    var parts = number.toExponential().split("e");
    var exponent = Number(parts[1]);
    if (exponent + 1 <= -4) {  // repr switches to exponent notation there
      var digits = Math.abs(exponent) < 10 ? "0" + Math.abs(exponent) : String(Math.abs(exponent));
      return parts[0] + "e-" + digits;
    }
    return String(number);
  }

  function toString(value) {
    if (value === null || value === undefined) { return ""; }
    if (typeof value === "string") { return value; }
    if (typeof value === "boolean") { return value ? "true" : "false"; }
    if (isNumber(value)) { return formatNumber(value); }
    if (isChoice(value)) { return value.value; }
    if (isList(value)) { return value.map(toString).join(" "); }
    return String(value);
  }

  function toBool(value) {
    if (typeof value === "boolean") { return value; }
    if (value === null || value === undefined) { return false; }
    if (isNumber(value)) { return !(value === 0 || Number.isNaN(value)); }
    if (typeof value === "string") { return value !== ""; }
    if (isList(value)) { return value.length > 0; }
    return true;
  }

  function equals(left, right) {
    if (typeof left === "boolean" || typeof right === "boolean") {
      return toBool(left) === toBool(right);
    }
    if (isChoice(left) && isChoice(right)) {
      return left.code === right.code && left.value === right.value;
    }
    if (isChoice(left) || isChoice(right)) {
      var picked = isChoice(left) ? left : right;
      var other = isChoice(left) ? right : left;
      if (isNumber(other)) { return picked.code === toNumber(other); }
      var text = toString(other);
      return text === picked.value || text === String(picked.code);
    }
    if (isNumber(left) || isNumber(right)) { return toNumber(left) === toNumber(right); }
    return toString(left) === toString(right);
  }

  function compareText(a, b) {
    // code point order, as Python compares strings
    var x = codePoints(a);
    var y = codePoints(b);
    for (var i = 0; i < Math.min(x.length, y.length); i += 1) {
      var d = x[i].codePointAt(0) - y[i].codePointAt(0);
      if (d !== 0) { return d; }
    }
    return x.length - y.length;
  }

  function order(op, left, right) {
    if (isEmpty(left) || isEmpty(right)) { return false; }
    var d;
    if (typeof left === "string" && typeof right === "string" &&
        !(isNumeric(left) && isNumeric(right))) {
      d = compareText(left, right);
    } else {
      var a = toNumber(left);
      var b = toNumber(right);
      if (Number.isNaN(a) || Number.isNaN(b)) { return false; }
      d = a < b ? -1 : (a > b ? 1 : 0);
    }
    if (op === "<") { return d < 0; }
    if (op === "<=") { return d <= 0; }
    if (op === ">") { return d > 0; }
    return d >= 0;
  }

  function arithmetic(op, left, right) {
    var a = toNumber(left);
    var b = toNumber(right);
    if (op === "+") { return a + b; }
    if (op === "-") { return a - b; }
    if (op === "*") { return a * b; }
    if (op === "div") {
      if (b === 0) {
        if (a === 0 || Number.isNaN(a)) { return NaN; }
        return (a < 0 ? -Infinity : Infinity) * (Object.is(b, -0) ? -1 : 1);
      }
      return a / b;
    }
    return a % b;  // the sign follows the dividend, as math.fmod
  }

  function elements(value) {
    if (isEmpty(value)) { return []; }
    if (isList(value)) { return value; }
    if (typeof value === "string") { return split(value); }
    return [value];
  }

  function selected(value, wanted) {
    var wantedText = strip(toString(wanted));
    return elements(value).some(function (element) {
      if (isChoice(element)) {
        return wantedText === element.value || wantedText === String(element.code);
      }
      if (isNumber(element)) { return toNumber(element) === toNumber(wantedText); }
      return toString(element) === wantedText;
    });
  }

  function run(node, answers, current) {
    switch (node.type) {
      case "literal": return node.value;
      case "reference": {
        var value = Object.prototype.hasOwnProperty.call(answers, node.name) ? answers[node.name] : null;
        return value === undefined ? null : value;
      }
      case "current": return current === undefined ? null : current;
      case "negation": return -toNumber(run(node.operand, answers, current));
      case "binary": return binary(node, answers, current);
      default: return call(node, answers, current);
    }
  }

  function binary(node, answers, current) {
    var op = node.op;
    if (op === "and") {
      return toBool(run(node.left, answers, current)) && toBool(run(node.right, answers, current));
    }
    if (op === "or") {
      return toBool(run(node.left, answers, current)) || toBool(run(node.right, answers, current));
    }
    var left = run(node.left, answers, current);
    var right = run(node.right, answers, current);
    if (op === "=") { return equals(left, right); }
    if (op === "!=") { return !equals(left, right); }
    if (op === "<" || op === "<=" || op === ">" || op === ">=") { return order(op, left, right); }
    return arithmetic(op, left, right);
  }

  function call(node, answers, current) {
    var args = node.args;
    switch (node.name) {
      case "true": return true;
      case "false": return false;
      case "not": return !toBool(run(args[0], answers, current));
      case "if": return run(toBool(run(args[0], answers, current)) ? args[1] : args[2], answers, current);
      case "coalesce": {
        var first = run(args[0], answers, current);
        return isEmpty(first) ? run(args[1], answers, current) : first;
      }
      case "selected": return selected(run(args[0], answers, current), run(args[1], answers, current));
      case "count-selected": return elements(run(args[0], answers, current)).length;
      case "string-length": return codePoints(toString(run(args[0], answers, current))).length;
      default: return toNumber(run(args[0], answers, current));
    }
  }

  function evaluate(text, answers, current) {
    return run(parse(text), answers || {}, current);
  }

  function evaluateBool(text, answers, current) {
    return toBool(evaluate(text, answers, current));
  }

  var api = {
    parse: parse, evaluate: evaluate, evaluateBool: evaluateBool,
    references: references, choice: choice, toString: toString,
    ExpressionError: ExpressionError
  };
  if (typeof module !== "undefined" && module.exports) { module.exports = api; }
  root.UmfrageExpressions = api;
})(typeof window !== "undefined" ? window : globalThis);
