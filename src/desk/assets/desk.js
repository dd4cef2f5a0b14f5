// The review desk's only script (embedded in the binary; no external resource). Workbooks
// chosen or dropped on the upload form are sent one request each, three at a time, and each
// one's state is shown as soon as it is checked, with a link to its page. Without the script
// the form still works (one request, then the round). Every text it shows is set as text,
// never as markup; its words come from the form's data attributes (the server's registry).
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("upload");
  if (!form || !window.fetch || !window.FormData) return;
  var input = form.querySelector("input[type=file]");
  var csrf = form.querySelector("input[name=csrf]");
  var list = document.getElementById("upload-progress");
  var states = (form.dataset.states || "").split("|");
  var stateWord = {
    clean: states[0], warnings: states[1], errors: states[2], unreadable: states[3], skipped: states[4]
  };

  function sendOne(file, li) {
    var fd = new FormData();
    fd.append("csrf", csrf ? csrf.value : "");
    fd.append("file", file, file.name);
    return fetch(form.action, {
      method: "POST", body: fd, credentials: "same-origin", headers: { "Accept": "application/json" }
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (body) {
        var s = body && body.submissions && body.submissions[0];
        li.textContent = file.name + " — ";
        if (s && s.id && s.page) {
          var a = document.createElement("a");
          a.href = form.action.indexOf("/branch/") >= 0
            ? form.action.replace(/\/upload$/, "/submissions/" + s.id)
            : s.page;
          a.textContent = (stateWord[s.state] || s.state) + " (" + s.errors + " / " + s.warnings + ")";
          a.className = "state " + s.state;
          li.appendChild(a);
        } else {
          li.appendChild(document.createTextNode(form.dataset.failed + ": " + ((s && s.error) || res.status)));
          li.className = "failed";
        }
      });
    }).catch(function () {
      li.textContent = file.name + " — " + form.dataset.failed;
      li.className = "failed";
    });
  }

  function sendAll(files) {
    var queue = [];
    for (var i = 0; i < files.length; i++) {
      var li = document.createElement("li");
      li.textContent = files[i].name + " — " + form.dataset.sending;
      list.appendChild(li);
      queue.push([files[i], li]);
    }
    function next() {
      var job = queue.shift();
      if (!job) return Promise.resolve();
      return sendOne(job[0], job[1]).then(next);
    }
    return Promise.all([next(), next(), next()]);
  }

  form.addEventListener("submit", function (e) {
    if (!input.files.length) return;
    e.preventDefault();
    sendAll(input.files);
    input.value = "";
  });
  ["dragenter", "dragover"].forEach(function (ev) {
    form.addEventListener(ev, function (e) { e.preventDefault(); form.classList.add("over"); });
  });
  form.addEventListener("dragleave", function () { form.classList.remove("over"); });
  form.addEventListener("drop", function (e) {
    e.preventDefault();
    form.classList.remove("over");
    if (e.dataTransfer && e.dataTransfer.files.length) sendAll(e.dataTransfer.files);
  });
});
