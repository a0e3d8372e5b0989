// Keeps a signed-in person's typing from being lost to an ended session.
//
// A session ends after some idle minutes (settings.session_idle_minutes). Someone writing a
// long form for longer than that, or coming back to it after lunch, would post it to a
// signed-out server and lose it. So, on pages of a signed-in person:
// - while they type, the session is confirmed (which also counts as activity) at most once
//   per check interval;
// - before a form is posted (or a file downloaded), the session is confirmed once more; if it
//   has ended, the form stays as typed and a notice asks them to sign in again in another
//   tab, then send it;
// - coming back to the tab confirms it again, so the notice goes once they have signed in.
// Without this script (or if the check cannot be made) forms post as they always did.
(function () {
  "use strict";
  var notice = document.getElementById("session-ended");
  if (!notice) {
    return;
  }
  var checkMs = Number(notice.getAttribute("data-check-seconds")) * 1000 || 600000;
  var typedSinceCheck = false;
  var lastConfirmed = Date.now();
  var confirmedForm = null;
  var checking = false;

  function alive() {
    // true: signed in; false: the session has ended; null: could not tell (network).
    return fetch("/session/state", { credentials: "same-origin", cache: "no-store" })
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
      );
  }

  function confirm() {
    return alive().then(function (state) {
      if (state === true) {
        lastConfirmed = Date.now();
        typedSinceCheck = false;
        notice.hidden = true;
      } else if (state === false) {
        notice.hidden = false;
      }
      return state;
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

  // A download link saves whatever answers it: after the session ended, that would be the
  // sign-in page saved as a file. So it is confirmed first, as a form is.
  var confirmedLink = null;
  document.addEventListener("click", function (event) {
    var link = event.target && event.target.closest ? event.target.closest("a[download]") : null;
    if (!link) {
      return;
    }
    if (confirmedLink === link) {
      confirmedLink = null;
      return;
    }
    event.preventDefault();
    confirm().then(function (state) {
      if (state === false) {
        notice.focus();
        return;
      }
      confirmedLink = link;
      link.click();
    });
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!keptForm(form)) {
      return;
    }
    if (confirmedForm === form) {
      confirmedForm = null;
      return; // confirmed just now: let it go
    }
    event.preventDefault();
    if (checking) {
      return; // a second click while the first is being checked sends nothing more
    }
    checking = true;
    var submitter = event.submitter || null;
    confirm().then(function (state) {
      checking = false;
      if (state === false) {
        notice.focus();
        return;
      }
      confirmedForm = form;
      if (typeof form.requestSubmit === "function") {
        form.requestSubmit(submitter);
      } else {
        form.submit();
      }
    });
  });
})();
