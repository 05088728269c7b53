// The printable monthly summary's button (no inline script: the pages' CSP forbids it).
document.getElementById("print").addEventListener("click", function () { window.print(); });
