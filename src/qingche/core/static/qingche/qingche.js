// Small behaviours every page shares, kept out of the templates (the script policy allows no inline
// script): a "Cancel" link marked data-qc-back goes back in the browser's history.
document.addEventListener("click", function (event) {
  var link = event.target.closest("[data-qc-back]");
  if (link && window.history.length > 1) {
    event.preventDefault();
    window.history.back();
  }
});
