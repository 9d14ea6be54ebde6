/* What the job page and the analysis pages share: a status line that is
   rewritten (and so announced) only when its text changes, a progress bar with
   its "done of total" text, and polling of a status URL for as long as the
   page's own handler asks for more. The texts come from the page's data-text-*
   attributes, in the page's language. */
window.umfrageProgress = (function () {
  "use strict";

  function statusLine(text, beforeEach) {
    var last = text.textContent;
    return function (message) {
      if (beforeEach) { beforeEach(); }
      if (message !== last) {
        text.textContent = message;
        last = message;
      }
    };
  }

  function showBar(bar, box, data, say) {
    var lang = document.documentElement.lang;
    bar.value = data.percent;
    bar.textContent = data.percent + " %";
    if (data.status === "running") {
      say(box.dataset.textRunning
        .replace("{done}", data.done.toLocaleString(lang))
        .replace("{total}", data.total.toLocaleString(lang))
        .replace("{percent}", data.percent));
    } else {
      say(box.dataset.textQueued);
    }
  }

  function poll(url, handle, every) {
    function once() {
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          if (handle(data)) { window.setTimeout(once, every); }
        })
        .catch(function () { window.setTimeout(once, 3000); });
    }
    window.setTimeout(once, 300);
  }

  function reloadSoon() {
    window.setTimeout(function () { window.location.reload(); }, 300);
  }

  return { statusLine: statusLine, showBar: showBar, poll: poll, reloadSoon: reloadSoon };
}());
