// Haven: small improvements on top of pages that work without JavaScript.
(function () {
  'use strict';
  // GOV.UK error summary pattern: move focus to the summary so screen
  // readers announce it, and let its links focus the answer and show the
  // whole question (its legend), not just the first radio.
  var summary = document.querySelector('.error-summary');
  if (!summary) { return; }
  summary.focus();
  summary.addEventListener('click', function (event) {
    var link = event.target.closest('a[href^="#"]');
    if (!link) { return; }
    var input = document.getElementById(link.getAttribute('href').slice(1));
    if (!input) { return; }
    event.preventDefault();
    var fieldset = input.closest('fieldset');
    var legend = fieldset && fieldset.querySelector('legend');
    (legend || input).scrollIntoView();
    input.focus({ preventScroll: true });
  });
})();
