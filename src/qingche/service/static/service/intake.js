// Hotline intake, keyboard first: the category box has focus, Ctrl+Enter registers.
(function () {
  "use strict";
  var form = document.getElementById("intake-form");
  if (!form) { return; }
  document.getElementById("id_category").focus();
  form.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); form.requestSubmit(); }
  });
}());
