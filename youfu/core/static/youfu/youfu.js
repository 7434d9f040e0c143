// youfu's few page behaviours, in a file of its own: the Content-Security-Policy allows no
// inline script (no <script> blocks, no on…= attributes), only scripts served by youfu.
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", fn);
    } else {
      fn();
    }
  }

  ready(function () {
    // <select data-autosubmit>: submit its form when the choice changes (the language switch).
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () {
        select.form.submit();
      });
    });

    // <button data-print>: print the page (receipts).
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () {
        window.print();
      });
    });

    // <form data-kind-fields>: show only the fields whose data-kinds list the chosen kind
    // (the life-event form); without JavaScript every field shows.
    document.querySelectorAll("form[data-kind-fields]").forEach(function (form) {
      var kind = form.querySelector("select[name=kind]");
      if (!kind) {
        return;
      }
      function update() {
        form.querySelectorAll(".field[data-kinds]").forEach(function (el) {
          el.hidden = el.dataset.kinds.split(" ").indexOf(kind.value) < 0;
        });
      }
      kind.addEventListener("change", update);
      update();
    });
  });
})();
