// Long drop-down lists (units, categories, duty items, people) become searchable with Tom Select: a clerk types
// a few characters of a name instead of scrolling through a hundred. A <select> with more than SEARCHABLE_AFTER
// options, or marked data-qc-searchable, is enhanced; data-qc-plain keeps one as the browser draws it. The words
// Tom Select shows come from the page (data-qc-no-match on <body>), in the user's language.
(function () {
  var SEARCHABLE_AFTER = 12;

  function enhance(root) {
    if (typeof TomSelect === "undefined") return;
    var noMatch = document.body.getAttribute("data-qc-no-match") || "";
    root.querySelectorAll("select").forEach(function (select) {
      if (select.tomselect || select.hasAttribute("data-qc-plain")) return;
      if (!select.hasAttribute("data-qc-searchable") && select.options.length <= SEARCHABLE_AFTER) return;
      new TomSelect(select, {
        maxOptions: null,
        allowEmptyOption: true,
        plugins: select.multiple ? ["remove_button"] : [],
        render: {
          no_results: function () {
            var box = document.createElement("div");
            box.className = "no-results";
            box.textContent = noMatch;
            return box;
          },
        },
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    enhance(document);
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    enhance(event.target);
  });
})();
