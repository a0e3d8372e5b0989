// Switching language keeps what was typed. The language button reloads the page in the other
// language, which would empty every form on it: a founder checking how the English part of
// a request reads lost the whole request. So, when the language form is sent, the forms that
// were typed into (or that the server sent back with errors) are kept for this tab
// (sessionStorage) and put back once, when the page the language form returns to comes back.
//
// Each value is kept under its form (its address and the names of its fields: a card's pass
// and its commitment post to one address) and its field's name (a box also under its value),
// never by position: the page comes back drawn from the database as it is now, and a tick or
// a note must land on the request it was given to, or nowhere. Only the fields typed into
// are kept (the page draws the others itself, amounts in its own language's words), except
// for a form the server sent back (with errors, or after an edit clash), whose every field
// holds what was typed before sending. A form that carries a revision is put back only at
// the same revision, so an edit made meanwhile is not hidden under older typing. Passwords,
// files, hidden fields and fields marked autocomplete="off" (secrets, invitation codes) are
// never kept; what is kept is dropped after a minute, and when the person signs out.
(function () {
  "use strict";
  var storageKey = "matchmaker.typed-before-language-switch";
  var keptForMs = 60000;
  var skipped = ["password", "file", "hidden", "submit", "button", "reset", "image"];

  function storage() {
    try {
      return window.sessionStorage;
    } catch (blocked) {
      return null; // storage refused (privacy settings): the switch works as before
    }
  }

  function typingForms() {
    return Array.prototype.filter.call(document.forms, function (form) {
      return form.method === "post" && !form.hasAttribute("data-session-free");
    });
  }

  function kept(field) {
    return (
      field.name &&
      skipped.indexOf(field.type) < 0 &&
      (field.getAttribute("autocomplete") || "").toLowerCase() !== "off"
    );
  }

  function fields(form) {
    return Array.prototype.filter.call(form.elements, kept);
  }

  function options(select) {
    return Array.prototype.slice.call(select.options);
  }

  function isBox(field) {
    return field.type === "checkbox" || field.type === "radio";
  }


  function valueOf(field) {
    if (isBox(field)) {
      return field.checked;
    }
    if (field.tagName === "SELECT") {
      return options(field)
        .filter(function (option) {
          return option.selected;
        })
        .map(function (option) {
          return option.value;
        });
    }
    return field.value;
  }

  function restore(field, value) {
    if (isBox(field)) {
      field.checked = value === true;
    } else if (field.tagName === "SELECT") {
      options(field).forEach(function (option) {
        option.selected = value.indexOf(option.value) >= 0;
      });
    } else {
      field.value = value;
    }
  }

  // A form's fields by key: its name, a box's value too, and a count for names repeated.
  function keyed(form) {
    var seen = {};
    return fields(form).map(function (field) {
      var key = isBox(field) ? field.name + "=" + field.value : field.name;
      seen[key] = (seen[key] || 0) + 1;
      return { key: key + "#" + seen[key], field: field };
    });
  }

  function revisionOf(form) {
    var revision = form.querySelector('input[type="hidden"][name="revision"]');
    return revision ? revision.value : null;
  }

  function formKey(form) {
    var names = fields(form)
      .map(function (field) {
        return field.name;
      })
      .filter(function (name, index, all) {
        return all.indexOf(name) === index;
      })
      .sort();
    return (form.getAttribute("action") || window.location.pathname) + " " + names.join(",");
  }

  // Sent back by the server with what was typed: marked fields, or an edit clash (the page
  // says so above the form, whose fields hold the merged typing).
  function sentBack(form) {
    if (form.querySelector('[aria-invalid="true"]') !== null) {
      return true;
    }
    var clash = document.querySelector('.conflict[role="alert"]:not([hidden])');
    return revisionOf(form) !== null && clash !== null;
  }

  function here() {
    return window.location.pathname + window.location.search;
  }

  var store = storage();
  if (!store) {
    return;
  }

  // What each field held as the page was drawn, before anything was put back: a field is
  // typed into when it holds something else. (A select with no option marked selected shows
  // its first one without that option being its default, so the defaults cannot tell.)
  var drawn = new Map();
  typingForms().forEach(function (form) {
    fields(form).forEach(function (field) {
      drawn.set(field, JSON.stringify(valueOf(field)));
    });
  });

  function changed(field) {
    // A field added to the page since it was drawn counts as typed into.
    return !drawn.has(field) || drawn.get(field) !== JSON.stringify(valueOf(field));
  }

  // Put back what was typed before the language changed, once.
  var saved = null;
  try {
    saved = JSON.parse(store.getItem(storageKey) || "null");
  } catch (unreadable) {
    saved = null;
  }
  store.removeItem(storageKey);
  if (saved && saved.page === here() && Date.now() - saved.at < keptForMs) {
    typingForms().forEach(function (form) {
      var typed = saved.forms[formKey(form)];
      if (!typed) {
        return; // not typed into
      }
      if (typed.revision !== revisionOf(form)) {
        // Saved by someone meanwhile: left as the page draws it, and said.
        var dropped = document.getElementById("typing-not-restored");
        if (dropped) {
          dropped.hidden = false;
        }
        return;
      }
      keyed(form).forEach(function (entry) {
        if (Object.prototype.hasOwnProperty.call(typed.values, entry.key)) {
          restore(entry.field, typed.values[entry.key]);
        }
      });
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) {
      return;
    }
    var action = form.getAttribute("action");
    if (action === "/sign-out") {
      store.removeItem(storageKey);
      return;
    }
    if (action !== "/language") {
      return;
    }
    var next = form.querySelector('input[name="next"]');
    var forms = {};
    var anything = false;
    typingForms().forEach(function (typing) {
      var whole = sentBack(typing);
      var values = {};
      var typedInto = false;
      keyed(typing).forEach(function (entry) {
        if (whole || changed(entry.field)) {
          values[entry.key] = valueOf(entry.field);
          typedInto = true;
        }
      });
      if (!typedInto) {
        return;
      }
      forms[formKey(typing)] = { revision: revisionOf(typing), values: values };
      anything = true;
    });
    if (anything) {
      try {
        store.setItem(
          storageKey,
          JSON.stringify({
            page: next && next.value ? next.value : here(),
            at: Date.now(),
            forms: forms,
          })
        );
      } catch (full) {
        // Storage full or refused: the switch goes on as before.
      }
    }
  });
})();
