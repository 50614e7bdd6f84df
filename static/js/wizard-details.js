// Wizard, page 1 (templates/events/wizard/details.html): the background image.
//
// The organizer picks a file and crops it to a 2:1 banner in a Bootstrap modal with
// Cropper.js (a 490×245 frame in a 508×350 area, both scaled down on a narrow screen). Done uploads the cropped image at
// once, as a file in the field "bgimage", with a progress bar. The preview changes only
// when the server answered ok; a failure is shown in the page and the previous image
// stays; a stored one says "Saved" and the button becomes "Change image…". A file the
// browser cannot decode (a text file named .jpg) is named "not an image" in the dialog.
// Remove asks first (Remove / Keep it in the card), then sends DELETE. On a new event's
// page the time zone defaults to the browser's.
//
// When the area changes size (a phone turned, a window resized), the cropper is built
// again for the new size, keeping the part of the picture that was framed. Cropper.js's
// own resize handling is off: it scales the frame by the area's new size over the old,
// and an area measured at zero during a relayout left a frame of zero size (nothing to upload).

const AREA = { width: 508, height: 350 };
const FRAME = { width: 490, height: 245 };
// The largest banner we send: wide enough for any screen, far below the server's limits.
const OUTPUT = { maxWidth: 2400, maxHeight: 1200 };
const ACCEPTED = ["image/png", "image/jpeg", "image/webp"];

function csrfToken() {
  const input = document.querySelector("input[name=csrfmiddlewaretoken]");
  return input ? input.value : "";
}

class BackgroundImage {
  constructor(root) {
    this.root = root;
    this.url = root.dataset.uploadUrl;
    this.input = root.querySelector("[data-bgimage-input]");
    this.preview = root.querySelector("[data-bgimage-preview]");
    this.none = root.querySelector("[data-bgimage-none]");
    this.progress = root.querySelector("[data-bgimage-progress]");
    this.bar = this.progress.querySelector(".progress-bar");
    this.error = root.querySelector("[data-bgimage-error]");
    this.removeButton = root.querySelector("[data-bgimage-remove]");
    this.removeConfirm = root.querySelector("[data-bgimage-remove-confirm]");
    this.chooseLabel = root.querySelector("[data-bgimage-choose-label]");
    this.saved = root.querySelector("[data-bgimage-saved]");
    this.modalElement = document.querySelector("[data-bgimage-modal]");
    this.modal = window.bootstrap.Modal.getOrCreateInstance(this.modalElement);
    this.source = this.modalElement.querySelector("[data-bgimage-crop-source]");
    this.doneButton = this.modalElement.querySelector("[data-bgimage-done]");
    this.cropError = this.modalElement.querySelector("[data-bgimage-crop-error]");
    this.cropArea = this.source.parentElement;
    this.decoded = Promise.resolve(true);
    this.cropper = null;
    this.refit = new ResizeObserver(() => this.refitCropper());
    this.objectUrl = null;
    this.type = "image/jpeg";
    this.hiding = false;
  }

  start() {
    this.input.addEventListener("change", () => this.pick());
    this.modalElement.addEventListener("shown.bs.modal", () => this.startCropper());
    this.modalElement.addEventListener("hide.bs.modal", () => {
      this.hiding = true;
    });
    this.modalElement.addEventListener("hidden.bs.modal", () => {
      this.hiding = false;
      this.stopCropper();
    });
    this.doneButton.addEventListener("click", () => this.done());
    // Remove asks first, in the card: Remove / Keep it.
    this.removeButton.addEventListener("click", () => this.askToRemove());
    this.removeConfirm.querySelector("[data-bgimage-remove-keep]").addEventListener("click", () => {
      this.removeConfirm.hidden = true;
      this.removeButton.focus();
    });
    this.removeConfirm.querySelector("[data-bgimage-remove-yes]").addEventListener("click", () => {
      this.removeConfirm.hidden = true;
      this.remove();
    });
  }

  pick() {
    const file = this.input.files[0];
    this.input.value = ""; // choosing the same file again must fire "change" again
    if (!file) return;
    this.hideError();
    if (!ACCEPTED.includes(file.type)) {
      this.showError("Choose a PNG, JPEG or WebP image.");
      return;
    }
    // PNG keeps transparency; everything else becomes a JPEG, which is much smaller.
    this.type = file.type === "image/png" ? "image/png" : "image/jpeg";
    this.releaseObjectUrl();
    this.objectUrl = URL.createObjectURL(file);
    // The type comes from the file's name: whether the bytes are an image, the browser tells.
    this.decoded = decodes(this.objectUrl);
    this.doneButton.disabled = true; // until the cropper is ready
    if (this.hiding) {
      // Bootstrap ignores show() while the modal fades out: open it once it is closed.
      this.modalElement.addEventListener("hidden.bs.modal", () => this.openCropper(), { once: true });
    } else {
      this.openCropper();
    }
  }

  openCropper() {
    this.source.src = this.objectUrl;
    this.modal.show();
  }

  // ``framed``: the part of the picture to frame, in its own pixels (Cropper's getData()).
  async startCropper(framed = null) {
    this.stopCropper();
    this.doneButton.disabled = true;
    const url = this.objectUrl;
    const isImage = await this.decoded;
    if (url !== this.objectUrl || !this.modalElement.classList.contains("show")) return;
    this.cropError.hidden = isImage;
    this.cropArea.hidden = !isImage;
    if (!isImage) {
      this.cropError.textContent =
        "This is not an image, or it is damaged: the file cannot be shown. Choose a PNG, JPEG or WebP picture.";
      return;
    }
    this.cropper = new window.Cropper(this.source, {
      aspectRatio: 2,
      viewMode: 1,
      responsive: false, // refitCropper() does it
      dragMode: "move",
      autoCropArea: 1,
      // The area is 508×350 where that fits, scaled down keeping its shape on a phone
      // (static/css/wizard.css): the frame scales with it, so its handles stay on screen.
      minContainerWidth: Math.min(AREA.width, this.cropArea.clientWidth || AREA.width),
      minContainerHeight: Math.min(AREA.height, this.cropArea.clientHeight || AREA.height),
      ready: () => {
        if (framed) {
          this.cropper.setData(framed);
        } else {
          const container = this.cropper.getContainerData();
          const width = Math.min(FRAME.width, Math.floor((container.width * FRAME.width) / AREA.width));
          const height = width / 2;
          this.cropper.setCropBoxData({
            left: (container.width - width) / 2,
            top: (container.height - height) / 2,
            width,
            height,
          });
        }
        this.doneButton.disabled = false;
        this.refit.observe(this.cropArea);
      },
    });
  }

  // The area has a new size: build the cropper again for it, framing the same part of the
  // picture. An area of no size (in the middle of a relayout, or hidden) is left alone:
  // the observer calls again once it has its size.
  refitCropper() {
    const cropper = this.cropper;
    if (!cropper || this.doneButton.disabled || !this.modalElement.classList.contains("show")) return;
    const width = this.cropArea.offsetWidth;
    const height = this.cropArea.offsetHeight;
    const container = cropper.getContainerData();
    if (!width || !height || (width === container.width && height === container.height)) return;
    this.startCropper(cropper.getData());
  }

  stopCropper() {
    this.refit.disconnect();
    if (this.cropper) {
      this.cropper.destroy();
      this.cropper = null;
    }
  }

  releaseObjectUrl() {
    if (this.objectUrl) {
      URL.revokeObjectURL(this.objectUrl);
      this.objectUrl = null;
    }
  }

  done() {
    if (!this.cropper) return;
    const canvas = this.cropper.getCroppedCanvas({
      ...OUTPUT,
      fillColor: this.type === "image/jpeg" ? "#fff" : "transparent",
      imageSmoothingQuality: "high",
    });
    this.modal.hide();
    if (!canvas) {
      this.showError("The image could not be cropped; try another one.");
      return;
    }
    canvas.toBlob((blob) => {
      if (blob) {
        this.upload(blob);
      } else {
        this.showError("The image could not be cropped; try another one.");
      }
    }, this.type, 0.9);
  }

  upload(blob) {
    const body = new FormData();
    body.append("bgimage", blob, this.type === "image/png" ? "background.png" : "background.jpg");
    const request = new XMLHttpRequest();
    request.open("POST", this.url);
    request.setRequestHeader("X-CSRFToken", csrfToken());
    request.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    request.responseType = "json";
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) this.setProgress((100 * event.loaded) / event.total);
    });
    request.addEventListener("load", () => {
      const answer = request.response;
      if (request.status === 200 && answer && answer.status === "ok") {
        this.setProgress(100);
        this.showImage(answer.background_url);
        this.showSaved("Saved: the event's page shows this image.");
      } else {
        this.showError(this.describeFailure(request.status, answer));
      }
      this.endProgress();
    });
    request.addEventListener("error", () => {
      this.showError("The upload failed: the server could not be reached. The previous image is kept.");
      this.endProgress();
    });
    this.hideError();
    this.setProgress(0);
    this.progress.hidden = false;
    this.setBusy(true);
    request.send(body);
  }

  describeFailure(status, answer) {
    const reason = answer && (answer.error || (answer.status === "no bgimage" && "No image was sent."));
    if (reason) return `The image was not saved: ${reason} The previous image is kept.`;
    if (status === 403) return "The image was not saved: you may not change this event, or your session expired. Reload the page.";
    if (status === 413) return "The image was not saved: it is too large.";
    return `The image was not saved (error ${status}). The previous image is kept.`;
  }

  async remove() {
    this.hideError();
    this.setBusy(true);
    try {
      const response = await fetch(this.url, {
        method: "DELETE",
        headers: { "X-CSRFToken": csrfToken(), "X-Requested-With": "XMLHttpRequest" },
        credentials: "same-origin",
      });
      const answer = await response.json().catch(() => null);
      if (response.ok && answer && answer.status === "ok") {
        this.showImage("");
        this.showSaved("Removed.");
      } else {
        this.showError(`The image was not removed: ${(answer && answer.error) || `error ${response.status}`}.`);
      }
    } catch {
      this.showError("The image was not removed: the server could not be reached.");
    } finally {
      this.setBusy(false);
    }
  }

  showImage(url) {
    if (url) {
      this.preview.src = url;
      this.preview.hidden = false;
    } else {
      this.preview.removeAttribute("src");
      this.preview.hidden = true;
    }
    this.none.hidden = Boolean(url);
    this.removeButton.hidden = !url;
    this.chooseLabel.textContent = url ? "Change image…" : "Choose image…";
    this.root.dataset.state = url ? "has-image" : "no-image";
  }

  setProgress(percent) {
    const value = Math.round(percent);
    this.bar.style.width = `${value}%`;
    this.progress.setAttribute("aria-valuenow", String(value));
  }

  endProgress() {
    this.setBusy(false);
    window.setTimeout(() => {
      this.progress.hidden = true;
    }, 400);
  }

  setBusy(busy) {
    this.input.disabled = busy;
    this.removeButton.disabled = busy;
    this.root.setAttribute("aria-busy", String(busy));
  }

  askToRemove() {
    this.hideError();
    this.removeConfirm.hidden = false;
    this.removeConfirm.querySelector("[data-bgimage-remove-keep]").focus();
  }

  showSaved(message) {
    this.saved.textContent = `✓ ${message}`;
  }

  showError(message) {
    this.error.textContent = message;
    this.error.hidden = false;
  }

  hideError() {
    this.saved.textContent = "";
    this.error.hidden = true;
    this.error.textContent = "";
  }
}

// Whether the browser can decode the file at ``url`` as an image.
function decodes(url) {
  const probe = new Image();
  probe.src = url;
  return probe.decode().then(
    () => true,
    () => false,
  );
}

function defaultTimezoneFromBrowser() {
  // The zone field: a text input with a datalist of the zones offered (core.forms.DatalistInput).
  const field = document.querySelector("[data-browser-timezone]");
  if (!field) return;
  const options = field.list ? field.list.options : field.options;
  let zone = "";
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch {
    return;
  }
  if (zone && [...options].some((option) => option.value === zone)) field.value = zone;
}

defaultTimezoneFromBrowser();
const root = document.querySelector("[data-bgimage][data-upload-url]");
if (root) new BackgroundImage(root).start();
