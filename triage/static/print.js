// "Print" buttons and links (data-print): a script file rather than an onclick attribute,
// which the Content-Security-Policy refuses to run.
document.querySelectorAll("[data-print]").forEach(function (control) {
  control.addEventListener("click", function (event) {
    event.preventDefault();
    window.print();
  });
});
