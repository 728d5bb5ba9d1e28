/* The book's own behaviour on top of sphinx-book-theme (added by scripts/site_ext.py).
 *
 * 1. Sidebar toggles.  pydata-sphinx-theme 0.17 renders its own (hidden) ☰ and ≣ buttons in
 *    the top bar and wires only the first `.primary-toggle` / `.secondary-toggle` of the
 *    page, so the visible buttons of sphinx-book-theme's article header did nothing but show
 *    a tooltip; sphinx-book-theme's wide-screen fix is attached to the hidden button too.
 *    Here the visible buttons collapse the primary sidebar on wide screens and, on narrow
 *    ones, open the theme's sidebar dialog (by clicking the wired hidden button).
 * 2. Scrollable regions (wide display math, tables, outputs) get tabindex=0 so keyboard
 *    users can scroll them; they are named after what they hold.
 * 3. Figures and images in outputs open full size: each image is wrapped in a link to its file.
 */
(function () {
  "use strict";

  const WIDE = "(min-width: 992px)"; // sphinx-book-theme's breakpoint-lg

  function wireToggles() {
    const sidebar = document.getElementById("pst-primary-sidebar");
    const hiddenPrimary = document.querySelector("#pst-header .primary-toggle");
    const hiddenSecondary = document.querySelector("#pst-header .secondary-toggle");
    document.querySelectorAll(".bd-header-article .primary-toggle").forEach((button) => {
      button.setAttribute("aria-label", "Site navigation");
      button.setAttribute("aria-controls", "pst-primary-sidebar");
      button.addEventListener("click", (event) => {
        event.preventDefault();
        event.stopImmediatePropagation();
        if (window.matchMedia(WIDE).matches) {
          if (!sidebar) return;
          const hidden = sidebar.classList.toggle("pst-sidebar-hidden");
          button.setAttribute("aria-expanded", String(!hidden));
        } else if (hiddenPrimary) {
          hiddenPrimary.click();
        }
      }, true);
    });
    document.querySelectorAll(".bd-header-article .secondary-toggle").forEach((button) => {
      button.setAttribute("aria-label", "On this page");
      button.setAttribute("aria-controls", "pst-secondary-sidebar");
      button.addEventListener("click", (event) => {
        event.preventDefault();
        event.stopImmediatePropagation();
        if (hiddenSecondary) hiddenSecondary.click();
      }, true);
    });
  }

  const SCROLLABLE = [
    "mjx-container[display='true']", "div.math", ".pst-scrollable-table-container",
    ".table-wrapper", ".cell_output .output", "div.highlight pre", "pre", ".output_area",
    "table.table", ".sig", "dl.py",
  ].join(",");

  function focusScrollable() {
    document.querySelectorAll(SCROLLABLE).forEach((el) => {
      const scrolls = el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1;
      const style = getComputedStyle(el);
      const canScroll = /(auto|scroll)/.test(style.overflowX + " " + style.overflowY);
      if (scrolls && canScroll && !el.hasAttribute("tabindex")) {
        el.setAttribute("tabindex", "0");
        if (!el.hasAttribute("role") && !el.matches("pre, table, mjx-container")) {
          el.setAttribute("role", "region");
          el.setAttribute("aria-label", el.matches(".math, mjx-container") ? "Equation (scrolls sideways)"
            : el.matches(".cell_output *") ? "Output (scrolls)" : "Scrolling content");
        }
      }
    });
  }

  function openableFigures() {
    document.querySelectorAll(".bd-article img").forEach((img) => {
      if (img.closest("a") || !img.getAttribute("src")) return;
      const link = document.createElement("a");
      link.href = img.getAttribute("src");
      link.className = "site-image-link";
      link.title = "Open the figure full size";
      img.parentNode.insertBefore(link, img);
      link.appendChild(img);
    });
  }

  function ready(fn) {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fn);
    else fn();
  }

  ready(() => {
    wireToggles();
    openableFigures();
    focusScrollable();
    window.addEventListener("resize", focusScrollable);
    const startup = window.MathJax && window.MathJax.startup && window.MathJax.startup.promise;
    if (startup) startup.then(focusScrollable);
  });
  window.addEventListener("load", () => {
    const startup = window.MathJax && window.MathJax.startup && window.MathJax.startup.promise;
    if (startup) startup.then(focusScrollable);
    else focusScrollable();
  });
})();
