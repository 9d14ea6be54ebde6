/* Respondent pages: focus the error summary, and the district picker (map + search)
   on top of the plain list. Everything works without this file; it only adds. */
(function () {
  "use strict";

  var summary = document.querySelector("[data-focus]");
  if (summary) {
    summary.focus();
  }

  function normalise(text) {
    return (text || "")
      .toLowerCase()
      .normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "")
      .replace(/ß/g, "ss")
      .replace(/[-‐–\s.]+/g, " ")
      .trim();
  }

  function DistrictPicker(root) {
    this.root = root;
    this.select = document.getElementById(root.getAttribute("data-select"));
    if (!this.select) {
      return;
    }
    this.chosen = root.querySelector("[data-chosen]");
    this.map = root.querySelector("[data-map]");
    this.svg = this.map ? this.map.querySelector("svg") : null;
    this.search = root.querySelector("[data-search]");
    this.missing = root.querySelector("[data-missing]");
    this.entries = [];
    var options = this.select.querySelectorAll("option");
    for (var i = 0; i < options.length; i++) {
      var option = options[i];
      if (!option.value || !option.hasAttribute("data-terms")) {
        continue;
      }
      var group = option.parentNode.tagName === "OPTGROUP" ? option.parentNode.label : "";
      this.entries.push({
        value: option.value,
        name: option.textContent,
        parent: group,
        terms: normalise(option.getAttribute("data-terms")).split("|")
      });
    }
    this.setUpMap();
    this.setUpSearch();
    this.setUpMissing();
    this.chosen.hidden = false;
    var self = this;
    this.select.addEventListener("change", function () {
      self.update(true);
    });
    this.update(false);
  }

  DistrictPicker.prototype.labelOf = function (value) {
    var option = this.select.querySelector('option[value="' + CSS.escape(value) + '"]');
    if (!option) {
      return "";
    }
    var group = option.parentNode.tagName === "OPTGROUP" && option.hasAttribute("data-terms")
      ? " (" + option.parentNode.label + ")" : "";
    return option.textContent + group;
  };

  DistrictPicker.prototype.choose = function (value, zoom) {
    this.select.value = value;
    this.update(true);
    if (zoom) {
      this.zoomTo(value);
    }
  };

  DistrictPicker.prototype.update = function (announce) {
    var value = this.select.value;
    var root = this.root;
    if (this.svg) {
      var shapes = this.svg.querySelectorAll(".district-shape");
      for (var i = 0; i < shapes.length; i++) {
        var selected = shapes[i].getAttribute("data-code") === value;
        shapes[i].classList.toggle("is-selected", selected);
        if (selected) {
          shapes[i].parentNode.appendChild(shapes[i]); // draw its outline on top
          if (this.labelGroup) {
            this.labelGroup.parentNode.appendChild(this.labelGroup); // names above
          }
        }
      }
    }
    var text = value
      ? root.getAttribute("data-text-chosen") + " " + this.labelOf(value)
      : root.getAttribute("data-text-none");
    if (announce || this.chosen.textContent !== text) {
      this.chosen.textContent = text;
    }
    var buttons = root.querySelectorAll(".district-search__results button");
    for (var j = 0; j < buttons.length; j++) {
      buttons[j].setAttribute("aria-pressed", String(buttons[j].getAttribute("data-value") === value));
    }
  };

  // -- map: tap/click selects, + / − zoom, drag pans, two fingers pinch
  DistrictPicker.prototype.setUpMap = function () {
    if (!this.svg) {
      return;
    }
    var self = this;
    var svg = this.svg;
    this.full = svg.getAttribute("data-viewbox").split(" ").map(Number);
    this.view = this.full.slice();
    this.map.hidden = false;
    var pointers = {};
    var start = null;
    var moved = false;

    function toMap(event) {
      var rect = svg.getBoundingClientRect();
      return [
        self.view[0] + (event.clientX - rect.left) / rect.width * self.view[2],
        self.view[1] + (event.clientY - rect.top) / rect.height * self.view[3]
      ];
    }
    function distance() {
      var list = Object.keys(pointers).map(function (k) { return pointers[k]; });
      if (list.length < 2) {
        return 0;
      }
      return Math.hypot(list[0].clientX - list[1].clientX, list[0].clientY - list[1].clientY);
    }

    svg.addEventListener("pointerdown", function (event) {
      pointers[event.pointerId] = event;
      start = { x: event.clientX, y: event.clientY, view: self.view.slice(), distance: distance() };
      moved = false;
      svg.setPointerCapture(event.pointerId);
    });
    svg.addEventListener("pointermove", function (event) {
      if (!(event.pointerId in pointers) || !start) {
        return;
      }
      pointers[event.pointerId] = event;
      var rect = svg.getBoundingClientRect();
      var count = Object.keys(pointers).length;
      if (count >= 2 && start.distance > 0) {
        var factor = start.distance / Math.max(distance(), 1);
        self.zoom(factor * start.view[2] / self.view[2]);
        moved = true;
        return;
      }
      var dx = event.clientX - start.x;
      var dy = event.clientY - start.y;
      if (Math.abs(dx) + Math.abs(dy) > 6) {
        moved = true;
      }
      if (moved && self.view[2] < self.full[2]) {
        self.setView([
          start.view[0] - dx / rect.width * start.view[2],
          start.view[1] - dy / rect.height * start.view[3],
          start.view[2],
          start.view[3]
        ]);
      }
    });
    function end(event) {
      var wasTap = !moved && Object.keys(pointers).length === 1;
      delete pointers[event.pointerId];
      if (event.type === "pointerup" && wasTap) {
        var target = document.elementFromPoint(event.clientX, event.clientY);
        if (target && target.classList && target.classList.contains("district-shape")) {
          self.tapped(target, event.pointerType);
        }
      }
      start = null;
    }
    svg.addEventListener("pointerup", end);
    svg.addEventListener("pointercancel", end);

    var buttons = this.map.querySelectorAll("[data-zoom]");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].addEventListener("click", function (event) {
        var kind = event.currentTarget.getAttribute("data-zoom");
        if (kind === "in") {
          self.zoom(0.5);
        } else if (kind === "out") {
          self.zoom(2);
        } else {
          self.setView(self.full.slice());
        }
      });
    }
    this.toMap = toMap;
    this.labelGroup = svg.querySelector(".district-labels");
    this.labels = svg.querySelectorAll(".district-labels text");
    this.setUpConfirm();
    window.addEventListener("resize", function () { self.updateLabels(); });
    this.updateLabels();
  };

  // -- names on the map: each is written where it fits at the current zoom (inside
  //    the largest circle of its area, sent by the server as data-room)
  DistrictPicker.prototype.updateLabels = function () {
    if (!this.labelGroup || !this.labels.length) {
      return;
    }
    var rect = this.svg.getBoundingClientRect();
    if (!rect.width) {
      return;
    }
    var size = 13 * this.view[2] / rect.width;  // 13 px on screen
    this.labelGroup.setAttribute("font-size", String(size));
    this.labelGroup.setAttribute("stroke-width", String(size / 4));
    // largest areas first; a name may reach a little beyond its circle, but never
    // over another name
    var order = Array.prototype.slice.call(this.labels).sort(function (a, b) {
      return Number(b.getAttribute("data-room")) - Number(a.getAttribute("data-room"));
    });
    var placed = [];
    var v = this.view;
    order.forEach(function (label) {
      var room = Number(label.getAttribute("data-room"));
      var x = Number(label.getAttribute("x"));
      var y = Number(label.getAttribute("y"));
      var half = label.getComputedTextLength() / 2 + size / 4;
      var box = [x - half, y - size * 0.65, x + half, y + size * 0.65];
      var fits = size * 0.6 < room && half <= 1.4 * room &&
        box[2] > v[0] && box[0] < v[0] + v[2] && box[3] > v[1] && box[1] < v[1] + v[3] &&
        !placed.some(function (other) {
          return box[0] < other[2] && other[0] < box[2] && box[1] < other[3] && other[1] < box[3];
        });
      if (fits) {
        placed.push(box);
      }
      label.classList.toggle("is-shown", fits);
    });
  };

  // -- on a touch screen a small area is confirmed before it is chosen
  DistrictPicker.prototype.setUpConfirm = function () {
    var self = this;
    this.confirmBox = this.root.querySelector("[data-confirm]");
    if (!this.confirmBox) {
      return;
    }
    this.confirmBox.querySelector("[data-confirm-yes]").addEventListener("click", function () {
      var code = self.candidate;
      self.closeConfirm();
      if (code) {
        self.choose(code, false);
      }
    });
    this.confirmBox.querySelector("[data-confirm-zoom]").addEventListener("click", function () {
      var code = self.candidate;
      self.closeConfirm();
      if (code) {
        self.zoomTo(code);
      }
    });
  };

  DistrictPicker.prototype.tapped = function (shape, pointerType) {
    var code = shape.getAttribute("data-code");
    var box = shape.getBoundingClientRect();
    var small = Math.min(box.width, box.height) < 44;
    if (!this.confirmBox || pointerType !== "touch" || !small) {
      this.closeConfirm();
      this.choose(code, false);
      return;
    }
    this.closeConfirm();
    this.candidate = code;
    shape.classList.add("is-candidate");
    var text = this.root.getAttribute("data-text-tapped").replace("{name}", this.labelOf(code));
    this.confirmBox.querySelector("[data-confirm-text]").textContent = text;
    this.confirmBox.hidden = false;
    this.confirmBox.querySelector("[data-confirm-yes]").focus();
  };

  DistrictPicker.prototype.closeConfirm = function () {
    this.candidate = null;
    if (this.confirmBox) {
      this.confirmBox.hidden = true;
    }
    var marked = this.svg ? this.svg.querySelectorAll(".is-candidate") : [];
    for (var i = 0; i < marked.length; i++) {
      marked[i].classList.remove("is-candidate");
    }
  };

  DistrictPicker.prototype.setView = function (view) {
    var full = this.full;
    var w = Math.min(Math.max(view[2], full[2] / 16), full[2]);
    var h = w * full[3] / full[2];
    var x = Math.min(Math.max(view[0], full[0]), full[0] + full[2] - w);
    var y = Math.min(Math.max(view[1], full[1]), full[1] + full[3] - h);
    this.view = [x, y, w, h];
    this.svg.setAttribute("viewBox", this.view.join(" "));
    // zoomed in, a finger drags the map; at full size it scrolls the page
    this.svg.classList.toggle("is-zoomed", w < full[2]);
    this.updateLabels();
  };

  DistrictPicker.prototype.zoom = function (factor) {
    var v = this.view;
    var cx = v[0] + v[2] / 2;
    var cy = v[1] + v[3] / 2;
    var w = v[2] * factor;
    var h = v[3] * factor;
    this.setView([cx - w / 2, cy - h / 2, w, h]);
  };

  DistrictPicker.prototype.zoomTo = function (value) {
    if (!this.svg) {
      return;
    }
    var shape = this.svg.querySelector('.district-shape[data-code="' + CSS.escape(value) + '"]');
    if (!shape) {
      return;
    }
    var box = shape.getBBox();
    var w = Math.max(box.width * 4, this.full[2] / 6);
    var h = w * this.full[3] / this.full[2];
    this.setView([box.x + box.width / 2 - w / 2, box.y + box.height / 2 - h / 2, w, h]);
  };

  // -- search: by name (and street, where the layer has a directory)
  DistrictPicker.prototype.setUpSearch = function () {
    if (!this.search) {
      return;
    }
    var self = this;
    var input = this.search.querySelector("input");
    var list = this.search.querySelector("ul");
    var count = this.search.querySelector(".district-search__count");
    this.search.hidden = false;

    function render() {
      var query = normalise(input.value);
      list.textContent = "";
      if (!query) {
        count.textContent = "";
        return;
      }
      var found = self.entries.filter(function (entry) {
        return entry.terms.some(function (term) { return term.indexOf(query) !== -1; });
      });
      found.sort(function (a, b) {
        var aStarts = normalise(a.name).indexOf(query) === 0 ? 0 : 1;
        var bStarts = normalise(b.name).indexOf(query) === 0 ? 0 : 1;
        return aStarts - bStarts || a.name.localeCompare(b.name);
      });
      count.textContent = found.length
        ? self.root.getAttribute("data-text-found").replace("{n}", String(found.length))
        : self.root.getAttribute("data-text-nothing");
      found.slice(0, 8).forEach(function (entry) {
        var item = document.createElement("li");
        var button = document.createElement("button");
        button.type = "button";
        button.setAttribute("data-value", entry.value);
        button.setAttribute("aria-pressed", String(entry.value === self.select.value));
        button.textContent = entry.name + " ";
        if (entry.parent) {
          var parent = document.createElement("span");
          parent.className = "parent";
          parent.textContent = "(" + entry.parent + ")";
          button.appendChild(parent);
        }
        button.addEventListener("click", function () {
          self.choose(entry.value, true);
        });
        item.appendChild(button);
        list.appendChild(item);
      });
    }

    input.addEventListener("input", render);
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault(); // never submits the page from the search box
        var first = list.querySelector("button");
        if (first) {
          first.click();
        }
      } else if (event.key === "ArrowDown") {
        var firstButton = list.querySelector("button");
        if (firstButton) {
          event.preventDefault();
          firstButton.focus();
        }
      }
    });
    list.addEventListener("keydown", function (event) {
      if (event.key !== "ArrowDown" && event.key !== "ArrowUp") {
        return;
      }
      var buttons = Array.prototype.slice.call(list.querySelectorAll("button"));
      var index = buttons.indexOf(document.activeElement);
      if (index === -1) {
        return;
      }
      event.preventDefault();
      if (event.key === "ArrowDown" && index < buttons.length - 1) {
        buttons[index + 1].focus();
      } else if (event.key === "ArrowUp") {
        (index > 0 ? buttons[index - 1] : input).focus();
      }
    });
  };

  DistrictPicker.prototype.setUpMissing = function () {
    if (!this.missing) {
      return;
    }
    var self = this;
    this.missing.hidden = false;
    var buttons = this.missing.querySelectorAll("button");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].addEventListener("click", function (event) {
        self.choose(event.currentTarget.getAttribute("data-value"), false);
      });
    }
  };

  // "other, please specify": the text field shows while its option is chosen
  var others = document.querySelectorAll("[data-other-of]");
  Array.prototype.forEach.call(others, function (row) {
    var name = row.getAttribute("data-other-of");
    var value = row.getAttribute("data-other-value");
    var inputs = document.querySelectorAll('input[name="' + CSS.escape(name) + '"]');
    var text = row.querySelector("input");
    function sync() {
      var chosen = Array.prototype.some.call(inputs, function (input) {
        return input.checked && input.value === value;
      });
      row.hidden = !chosen && !text.value && !row.classList.contains("has-error");
    }
    Array.prototype.forEach.call(inputs, function (input) {
      input.addEventListener("change", sync);
    });
    sync();
  });

  var pickers = document.querySelectorAll("[data-district-picker]");
  for (var i = 0; i < pickers.length; i++) {
    new DistrictPicker(pickers[i]);
  }
})();
