// Progressive enhancement only: every step also works as plain links and forms.
(function () {
  "use strict";

  function setUpMobileMenu() {
    var toggle = document.querySelector("[data-testid='mobile-menu-toggle']");
    var menu = document.getElementById("mobile-menu");
    if (!toggle || !menu) return;
    menu.hidden = true;
    toggle.hidden = false;
    // The broken-mobile-menu fault: the toggle shows, but nothing opens the menu.
    if (document.body.hasAttribute("data-menu-broken")) return;
    toggle.addEventListener("click", function () {
      var open = toggle.getAttribute("aria-expanded") === "true";
      toggle.setAttribute("aria-expanded", String(!open));
      menu.hidden = open;
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && !menu.hidden) {
        menu.hidden = true;
        toggle.setAttribute("aria-expanded", "false");
        toggle.focus();
      }
    });
  }

  function submitDateOnChange() {
    var picker = document.querySelector("[data-testid='date-picker']");
    if (!picker || !picker.form) return;
    picker.addEventListener("change", function () {
      if (picker.value) picker.form.submit();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpMobileMenu();
    submitDateOnChange();
  });
})();
