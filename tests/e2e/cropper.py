"""The banner's cropper in the browser: a picture to pick, and picking, cropping and uploading it."""

import io

from PIL import Image, ImageDraw
from playwright.sync_api import expect

from tests.utils import screenshot


def photo_png(width=1200, height=700):
    """A picture with something to crop: a gradient and a few shapes."""
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    for x in range(0, width, 8):
        draw.rectangle([x, 0, x + 8, height], fill=(x * 255 // width, 90, 255 - x * 255 // width))
    draw.ellipse([width // 3, height // 4, width // 3 + 300, height // 4 + 300], fill=(250, 220, 40))
    out = io.BytesIO()
    image.save(out, "PNG")
    return {"name": "holiday-photo.png", "mimeType": "image/png", "buffer": out.getvalue()}


def crop_and_upload(page, picture, screenshot_name=None):
    """Pick a file, check the cropper's frame (and screenshot it, see tests.utils.screenshot), press Done."""
    page.get_by_test_id("bgimage-input").set_input_files(picture)
    modal = page.get_by_test_id("bgimage-modal")
    expect(modal).to_be_visible()
    crop_box = modal.locator(".cropper-crop-box")
    expect(crop_box).to_be_visible()
    expect(page.get_by_test_id("bgimage-done")).to_be_enabled()
    area = modal.locator(".cropper-container").bounding_box()
    frame = crop_box.bounding_box()
    assert (round(area["width"]), round(area["height"])) == (508, 350)
    if screenshot_name:
        screenshot(page, screenshot_name)
    assert (round(frame["width"]), round(frame["height"])) == (490, 245)
    page.get_by_test_id("bgimage-done").click()
    expect(modal).to_be_hidden()
    expect(page.locator(".modal-backdrop")).to_have_count(0)
