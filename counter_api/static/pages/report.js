// The report page: the print button (no inline script: the page has a strict CSP).
document.getElementById("print").addEventListener("click", function () { window.print(); });
