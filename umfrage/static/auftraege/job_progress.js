/* Job page: polls the job's state and moves the progress bar; reloads the page
   when the job has finished (to show the download or the error). Without this
   script the page reloads itself every few seconds (meta refresh in noscript). */
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box) { return; }
  var bar = document.getElementById("job-progress");
  var text = document.getElementById("job-status-text");
  var url = box.dataset.statusUrl;
  var lastText = text.textContent;

  function say(message) {
    if (message !== lastText) {
      text.textContent = message;
      lastText = message;
    }
  }

  function show(data) {
    bar.value = data.percent;
    bar.textContent = data.percent + " %";
    if (data.status === "queued") {
      say(box.dataset.textQueued);
    } else if (data.status === "running") {
      say(box.dataset.textRunning
        .replace("{done}", data.done.toLocaleString(document.documentElement.lang))
        .replace("{total}", data.total.toLocaleString(document.documentElement.lang))
        .replace("{percent}", data.percent));
    } else {
      say(box.dataset.textFinished);
      window.setTimeout(function () { window.location.reload(); }, 300);
      return false;
    }
    return true;
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (show(data)) { window.setTimeout(poll, 700); }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }

  window.setTimeout(poll, 300);
}());
