// cake-bulk's page script: the confirmation dialog, and dropping a file on the page. Served as a file:
// the page's CSP allows no inline script.
(function () {
  'use strict';

  // Buttons that open a <dialog> (the Apply confirmation); the dialog's own Cancel closes it.
  document.addEventListener('click', function (event) {
    var button = event.target instanceof Element ? event.target.closest('[data-opens]') : null;
    if (!button) return;
    var dialog = document.getElementById(button.getAttribute('data-opens'));
    if (dialog && typeof dialog.showModal === 'function') dialog.showModal();
  });

  // A file dropped anywhere on the upload page goes into its Spreadsheet field.
  var form = document.querySelector('[data-drop-target]');
  if (form) {
    var input = form.querySelector('input[type=file]');
    var hint = document.getElementById('drop-hint');
    if (hint) hint.setAttribute('aria-live', 'polite');
    document.addEventListener('dragover', function (event) {
      event.preventDefault();
      form.classList.add('dragging');
    });
    document.addEventListener('dragleave', function (event) {
      if (event.relatedTarget === null) form.classList.remove('dragging');
    });
    document.addEventListener('drop', function (event) {
      event.preventDefault();
      form.classList.remove('dragging');
      var files = event.dataTransfer && event.dataTransfer.files;
      if (!files || files.length === 0 || !input) return;
      input.files = files;
      if (hint) hint.textContent = 'Chosen: ' + files[0].name + '. Press Review to see the plan.';
    });
  }
})();
