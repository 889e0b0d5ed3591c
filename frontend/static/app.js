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
// Self-help exercises: besides "Save and continue", save a form in the
// background whenever an answer changes (the same form post, marked as an
// autosave, which never completes the step).
(function () {
  'use strict';
  var form = document.querySelector('form[data-autosave]');
  if (!form || !window.fetch || !window.URLSearchParams) { return; }
  var status = form.querySelector('.autosave');
  var timer, inflight, leaving;
  // A pending autosave must not land after "Save and continue".
  form.addEventListener('submit', function (event) {
    clearTimeout(timer);
    if (inflight) {
      event.preventDefault();
      var button = event.submitter;
      inflight.then(function () { inflight = null; if (!leaving) { form.requestSubmit(button); } });
    }
  });
  form.addEventListener('change', function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      inflight = fetch(form.getAttribute('action'), {
        method: 'POST', credentials: 'same-origin',
        headers: { 'X-Haven-Autosave': '1' },
        body: new URLSearchParams(new FormData(form))
      }).then(function (r) {
        // An answer the course marks as a safety signal: crisis help at
        // once (the answer is saved; the page leads back here).
        var help = r.headers.get('X-Haven-Crisis-Help');
        if (r.status === 204 && help && help.charAt(0) === '/' && help.charAt(1) !== '/') {
          leaving = true;
          window.location.assign(help);
          return;
        }
        if (status) { status.textContent = r.status === 204 ? status.getAttribute('data-saved') : ''; }
      }).catch(function () {}).then(function () { inflight = null; });
    }, 800);
  });
})();
// Questionnaires: the progress bar follows the answers (the count itself
// is CSS, so it works without JavaScript too).
(function () {
  'use strict';
  var box = document.querySelector('[data-progress]');
  var bar = box && box.querySelector('progress');
  var form = box && box.closest('form');
  if (!bar || !form) { return; }
  function update() {
    bar.value = form.querySelectorAll('.selftest__q .radios__input:checked').length;
  }
  form.addEventListener('change', update);
  update();
  bar.hidden = false;
})();
// Recovery codes: a copy button, where the browser allows it (the page
// works without: the codes can be downloaded or written down).
(function () {
  'use strict';
  var button = document.querySelector('[data-copy-codes]');
  var list = document.querySelector('[data-codes]');
  if (!button || !list || !navigator.clipboard || !window.isSecureContext) { return; }
  var status = button.parentNode.querySelector('[role="status"]');
  button.hidden = false;
  button.addEventListener('click', function () {
    var codes = Array.prototype.map.call(list.querySelectorAll('code'), function (c) { return c.textContent; });
    navigator.clipboard.writeText(codes.join('\n')).then(function () {
      if (status) { status.textContent = button.getAttribute('data-copied'); }
    }).catch(function () {});
  });
})();
// Copy buttons for a text on the page (an invitation link), shown only
// where the clipboard works.
(function () {
  'use strict';
  if (!navigator.clipboard || !window.isSecureContext) { return; }
  Array.prototype.forEach.call(document.querySelectorAll('button[data-copy]'), function (button) {
    var source = document.getElementById(button.getAttribute('data-copy'));
    if (!source) { return; }
    var status = button.closest('div') && button.closest('div').querySelector('.invite__status');
    button.hidden = false;
    button.addEventListener('click', function () {
      navigator.clipboard.writeText(source.textContent).then(function () {
        if (status) { status.textContent = button.getAttribute('data-copied'); }
      }).catch(function () {});
    });
  });
})();
