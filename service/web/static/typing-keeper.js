// Switching language keeps what was typed. The language button reloads the page in the other
// language, which would empty every form on it: a founder checking how the English part of
// a request reads lost the whole request. So, when the language form is sent, the values
// typed into the page's other forms are kept for this tab (sessionStorage), and put back
// once, when the same page comes back. Passwords, files and hidden fields are never kept,
// and nothing is kept when nothing was typed.
(function () {
  "use strict";
  var storageKey = "matchmaker.typed-before-language-switch";
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

  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (field) {
      return field.name && skipped.indexOf(field.type) < 0;
    });
  }

  function options(select) {
    return Array.prototype.slice.call(select.options);
  }

  function changed(field) {
    if (field.type === "checkbox" || field.type === "radio") {
      return field.checked !== field.defaultChecked;
    }
    if (field.tagName === "SELECT") {
      return options(field).some(function (option) {
        return option.selected !== option.defaultSelected;
      });
    }
    return field.value !== field.defaultValue;
  }

  function valueOf(field) {
    if (field.type === "checkbox" || field.type === "radio") {
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
    if (field.type === "checkbox" || field.type === "radio") {
      field.checked = value === true;
    } else if (field.tagName === "SELECT") {
      options(field).forEach(function (option) {
        option.selected = value.indexOf(option.value) >= 0;
      });
    } else {
      field.value = value;
    }
  }

  function here() {
    return window.location.pathname + window.location.search;
  }

  var store = storage();
  if (!store) {
    return;
  }

  // Put back what the page had before its language changed, once.
  var kept = null;
  try {
    kept = JSON.parse(store.getItem(storageKey) || "null");
  } catch (unreadable) {
    kept = null;
  }
  store.removeItem(storageKey);
  if (kept && kept.page === here()) {
    typingForms().forEach(function (form, formIndex) {
      var values = kept.forms[formIndex];
      var shown = fields(form);
      // The same page in the other language has the same fields; anything else is left be.
      if (!values || values.length !== shown.length) {
        return;
      }
      shown.forEach(function (field, fieldIndex) {
        if (values[fieldIndex] !== null) {
          restore(field, values[fieldIndex]);
        }
      });
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || form.getAttribute("action") !== "/language") {
      return;
    }
    var anything = false;
    var forms = typingForms().map(function (typing) {
      return fields(typing).map(function (field) {
        if (!changed(field)) {
          return null;
        }
        anything = true;
        return valueOf(field);
      });
    });
    if (anything) {
      try {
        store.setItem(storageKey, JSON.stringify({ page: here(), forms: forms }));
      } catch (full) {
        // Storage full or refused: the switch goes on as before.
      }
    }
  });
})();
