// Small behaviours every page shares, kept out of the templates (the script policy allows no inline
// script): a "Cancel" link marked data-qc-back goes back in the browser's history; a filter marked
// data-qc-autosubmit sends its form when it changes.
document.addEventListener("click", function (event) {
  var link = event.target.closest("[data-qc-back]");
  if (link && window.history.length > 1) {
    event.preventDefault();
    window.history.back();
  }
});

document.addEventListener("change", function (event) {
  var field = event.target.closest("[data-qc-autosubmit]");
  if (field && field.form) {
    field.form.submit();
  }
});
