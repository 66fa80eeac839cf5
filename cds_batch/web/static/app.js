// cds-batch serve: the little the pages need beyond plain forms. No library, nothing from the internet.
"use strict";

(function () {
  function all(selector, root) { return Array.prototype.slice.call((root || document).querySelectorAll(selector)); }

  // --- Forms: say that something is happening, and fill what the upload forms add about each file ---
  all("form.bieu-mau").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.hoi && !window.confirm(form.dataset.hoi)) { event.preventDefault(); return; }
      if (form.classList.contains("tai-len") && !prepareUpload(form)) { event.preventDefault(); return; }
      var button = form.querySelector("button[type=submit]");
      if (button) {
        // Disabled after the browser has taken the form's values (a disabled button sends nothing).
        setTimeout(function () {
          button.disabled = true;
          button.classList.add("dang-cho");
          if (form.dataset.cho) { button.textContent = form.dataset.cho; }
        }, 0);
      }
    });
  });

  function prepareUpload(form) {
    var files = form.querySelector("input[name=files]"), folder = form.querySelector("input[name=folder]");
    var chosen = [].concat(files ? Array.from(files.files) : [], folder ? Array.from(folder.files) : []);
    var warn = form.querySelector(".loi-tai-len");
    var maxFile = Number(form.dataset.maxFile || 0), maxRequest = Number(form.dataset.maxRequest || 0);
    var problem = "";
    if (!chosen.length) {
      problem = "Hãy chọn tệp hoặc thư mục để tải lên.";
    } else {
      var big = chosen.filter(function (f) { return maxFile && f.size > maxFile; });
      var total = chosen.reduce(function (sum, f) { return sum + f.size; }, 0);
      if (big.length) {
        problem = "Tệp “" + big[0].name + "” lớn hơn giới hạn " + form.dataset.maxFileText + " cho một tệp.";
      } else if (maxRequest && total > maxRequest) {
        problem = "Các tệp đã chọn lớn hơn giới hạn " + form.dataset.maxRequestText +
          " của một lần tải; hãy chia thành nhiều lần.";
      }
    }
    if (warn) { warn.textContent = problem; warn.hidden = !problem; }
    if (problem) { return false; }
    if (files) { form.elements.files_mtimes.value = JSON.stringify(Array.from(files.files, function (f) { return f.lastModified; })); }
    if (folder) {
      form.elements.folder_mtimes.value = JSON.stringify(Array.from(folder.files, function (f) { return f.lastModified; }));
      form.elements.folder_paths.value = JSON.stringify(Array.from(folder.files, function (f) { return f.webkitRelativePath || f.name; }));
    }
    return true;
  }

  // --- The rubric file input is only for "a rubric of our own" ---
  var ownRubric = document.getElementById("chon-tep-bo-chi-so"), rubricFile = document.getElementById("tep-bo-chi-so");
  if (ownRubric && rubricFile) {
    var sync = function () { rubricFile.disabled = !ownRubric.checked; };
    all("input[name=rubric]").forEach(function (radio) { radio.addEventListener("change", sync); });
    rubricFile.addEventListener("click", function () { ownRubric.checked = true; sync(); });
    sync();
  }

  // --- Progress of a run: ask the server until it is over, then show the result ---
  var progress = document.getElementById("tien-do");
  if (progress) {
    var bar = document.getElementById("thanh-tien-do"), text = document.getElementById("chu-tien-do");
    var poll = function () {
      fetch(progress.dataset.statusUrl, { credentials: "same-origin", cache: "no-store" })
        .then(function (response) {
          // A refusal (403 after a restart: a new token) or an error page is HTML, not a status: stop asking.
          if (!response.ok) { throw { stop: response.status }; }
          return response.json();
        })
        .then(function (status) {
          if (status.state === "running") {
            bar.value = status.percent;
            text.textContent = status.text;
            setTimeout(poll, 700);
          } else {
            window.location.reload();
          }
        })
        .catch(function (problem) {
          if (problem && problem.stop) {
            text.textContent = problem.stop === 403
              ? "cds-batch đã được khởi động lại với mã truy cập khác nên trang này không còn dùng được: hãy mở lại " +
                "trang bằng đường dẫn " +
                "(có ?token=…) mà cửa sổ cds-batch in ra khi khởi động."
              : "cds-batch không trả lời được tiến độ (mã " + problem.stop + "); hãy tải lại trang.";
            return;
          }
          text.textContent = "Mất kết nối với cds-batch; đang thử lại…";
          setTimeout(poll, 2000);
        });
    };
    setTimeout(poll, 500);
  }

  // --- The summary table: sort by a column, filter by status, level, unit (when there are several) and text ---
  var table = document.getElementById("bang-truong");
  if (table) {
    var body = table.tBodies[0], rows = Array.from(body.rows);
    var status = document.getElementById("loc-trang-thai"), level = document.getElementById("loc-muc");
    var search = document.getElementById("loc-chu"), count = document.getElementById("dem-hang");
    var unit = document.getElementById("loc-don-vi");   // only when the schools span several units
    var fold = function (s) {
      return s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").replace(/Đ/g, "D").toLowerCase();
    };
    var filter = function () {
      var wantStatus = status.value, wantLevel = level.value, words = fold(search.value.trim());
      var wantUnit = unit ? unit.value : "";
      var shown = 0;
      rows.forEach(function (row) {
        var ok = (!wantStatus || row.dataset.status === wantStatus) &&
          (!wantLevel || row.dataset.level === wantLevel) &&
          (!wantUnit || row.dataset.unit === wantUnit) &&
          (!words || fold(row.cells[1].textContent + " " + row.cells[2].textContent).indexOf(words) >= 0);
        row.hidden = !ok;
        if (ok) { shown += 1; }
      });
      count.textContent = "Đang hiện " + shown + "/" + rows.length + " trường";
    };
    [status, level, unit].forEach(function (el) { if (el) { el.addEventListener("change", filter); } });
    search.addEventListener("input", filter);
    filter();

    var collator = new Intl.Collator("vi", { numeric: true, sensitivity: "base" });
    all("thead th", table).forEach(function (th, column) {
      var button = th.querySelector("button");
      if (!button) { return; }
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        all("thead th", table).forEach(function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var numeric = th.dataset.kieu === "so";
        var key = function (row) {
          var cell = row.cells[column];
          return numeric ? cell.dataset.v : cell.textContent.trim();
        };
        rows.sort(function (a, b) {
          var x = key(a), y = key(b), order;
          if (numeric) {
            // Empty cells (no score, no level) go last whichever way the column is sorted.
            if (x === "" || y === "") { return (x === "") - (y === ""); }
            order = Number(x) - Number(y);
          } else {
            order = collator.compare(x, y);
          }
          return ascending ? order : -order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  }
})();
