// Keeps a signed-in person's typing from being lost to an ended session.
//
// A session ends after some idle minutes (settings.session_idle_minutes). Someone writing a
// long form for longer than that, or coming back to it after lunch, would post it to a
// signed-out server and lose it. So, on pages of a signed-in person:
// - while they type, the session is confirmed (which also counts as activity) at most once
//   per check interval;
// - before a form is posted (or a file downloaded: after the session ended that would save
//   the sign-in page as the file), the session is confirmed once more; if it has ended,
//   nothing is sent, the page stays as it is and a notice asks them to sign in again in
//   another tab, then come back and carry on;
// - coming back to the tab confirms it again, so the notice goes once they have signed in.
// When the check cannot be made (no answer within a few seconds, no network), forms post and
// links download as they would without this script.
(function () {
  "use strict";
  var notice = document.getElementById("session-ended");
  if (!notice) {
    return;
  }
  var checkMs = Number(notice.getAttribute("data-check-seconds")) * 1000 || 600000;
  var answerMs = 5000;
  var typedSinceCheck = false;
  var checking = false;
  var passing = null; // the form or link just confirmed: its next event goes through

  function alive() {
    // true: signed in; false: the session has ended; null: could not tell.
    var controller = typeof AbortController === "function" ? new AbortController() : null;
    var timer = controller
      ? window.setTimeout(function () {
          controller.abort();
        }, answerMs)
      : null;
    return fetch("/session/state", {
      credentials: "same-origin",
      cache: "no-store",
      signal: controller ? controller.signal : undefined,
    })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(
        function (state) {
          return state && typeof state.signed_in === "boolean" ? state.signed_in : null;
        },
        function () {
          return null;
        }
      )
      .then(function (state) {
        if (timer !== null) {
          window.clearTimeout(timer);
        }
        return state;
      });
  }

  function confirm() {
    return alive().then(function (state) {
      if (state === true) {
        typedSinceCheck = false;
        notice.hidden = true;
      } else if (state === false) {
        notice.hidden = false;
      }
      return state;
    });
  }

  // Confirms the session, then lets ``send`` go on, unless it has ended. One at a time: a
  // second click while a check runs sends nothing more.
  function thenSend(target, send) {
    if (checking) {
      return;
    }
    checking = true;
    confirm().then(function (state) {
      checking = false;
      if (state === false) {
        notice.focus();
        return;
      }
      passing = target;
      send();
    });
  }

  function keptForm(target) {
    // Forms that write (method post), except those that end or change the session itself.
    return (
      target instanceof HTMLFormElement &&
      target.method === "post" &&
      !target.hasAttribute("data-session-free")
    );
  }

  document.addEventListener("input", function (event) {
    var form = event.target && event.target.form;
    if (form && keptForm(form)) {
      typedSinceCheck = true;
    }
  });

  window.setInterval(function () {
    if (typedSinceCheck) {
      confirm();
    }
  }, checkMs);

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") {
      confirm();
    }
  });

  document.addEventListener("click", function (event) {
    var link = event.target && event.target.closest ? event.target.closest("a[download]") : null;
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) {
      return; // not a download, or the reader asked the browser for something else
    }
    if (passing === link) {
      passing = null;
      return;
    }
    event.preventDefault();
    thenSend(link, function () {
      link.click();
    });
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!keptForm(form)) {
      return;
    }
    if (passing === form) {
      passing = null;
      return;
    }
    event.preventDefault();
    var submitter = event.submitter || null;
    thenSend(form, function () {
      if (typeof form.requestSubmit === "function") {
        form.requestSubmit(submitter); // keeps the pressed button's name and value
      } else {
        form.submit();
      }
    });
  });
})();
