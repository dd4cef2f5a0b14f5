// The review desk's only script (embedded in the binary; no external resource): workbooks
// dropped on the upload form are sent as if chosen with its file button.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("upload");
  if (!form) return;
  var input = form.querySelector("input[type=file]");
  var list = document.getElementById("upload-progress");
  ["dragenter", "dragover"].forEach(function (ev) {
    form.addEventListener(ev, function (e) { e.preventDefault(); form.classList.add("over"); });
  });
  form.addEventListener("dragleave", function () { form.classList.remove("over"); });
  form.addEventListener("drop", function (e) {
    e.preventDefault();
    form.classList.remove("over");
    if (!e.dataTransfer || !e.dataTransfer.files.length) return;
    input.files = e.dataTransfer.files;
    for (var i = 0; i < input.files.length; i++) {
      var li = document.createElement("li");
      li.textContent = input.files[i].name; // text, never markup
      list.appendChild(li);
    }
    form.submit();
  });
});
