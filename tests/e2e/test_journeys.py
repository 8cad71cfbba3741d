"""Journeys through the real app in chromium, as a new user takes them: back and forth,
one upload then another, reload, a second tab, a bare URL. After each step the test reads
what the controls *show* (tests/e2e/controls.py), not what the server holds.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import open_app, wait_idle
from tests.e2e.controls import (
    chips,
    choose,
    eventually,
    go,
    metric,
    no_exceptions,
    number,
    picked,
    set_number,
    shown,
    upload,
)

PENGUIN_COLUMNS = ["island", "bill_length_mm", "bill_depth_mm", "flipper_length_mm",
                   "body_mass_g", "sex"]


def penguins(tmp_path, name="penguins.csv"):
    """A penguins-like file: text and numeric features, missing values, a text target."""
    rows = ["species,island,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,sex"]
    kinds = [("Adelie", "Torgersen", 38.8, 18.3, 190, 3700), ("Gentoo", "Biscoe", 47.5, 15.0,
             217, 5076), ("Chinstrap", "Dream", 48.8, 18.4, 196, 3733)]
    for i in range(90):
        sp, island, bill, depth, flipper, mass = kinds[i % 3]
        sex = "" if i % 17 == 0 else ("male" if i % 2 else "female")
        rows.append(f"{sp},{island},{bill + i % 5 * 0.3:.1f},{depth + i % 4 * 0.2:.1f},"
                    f"{flipper + i % 7},{mass + i % 9 * 25},{sex}")
    path = tmp_path / name
    path.write_text("\n".join(rows) + "\n")
    return path


def titanic(tmp_path, name="titanic.csv"):
    """A titanic-like file: a 0/1 target that is not the last column, an id column."""
    rows = ["passenger_id,pclass,sex,age,fare,survived,embarked"]
    for i in range(80):
        rows.append(f"{1000 + i},{1 + i % 3},{'male' if i % 3 else 'female'},{20 + i % 40},"
                    f"{7.5 + i % 11 * 3.1:.2f},{int(i % 3 == 0 or i % 5 == 0)},"
                    f"{'SCQ'[i % 3]}")
    path = tmp_path / name
    path.write_text("\n".join(rows) + "\n")
    return path


def data_controls(page: Page) -> dict:
    """Everything the Data page's column controls show."""
    return {"dataset": shown(page, "Dataset in use"), "target": shown(page, "Target column"),
            "features": chips(page, "Feature columns"), "task": shown(page, "Task"),
            "scaling": picked(page, "Feature scaling"), "split": picked(page, "Test data")}


def input_count(page: Page) -> str:
    text = page.locator(".st-key-model-input").inner_text()
    return re.search(r"Input · (\d+) feature", text).group(1)


def test_upload_model_data_model_keeps_the_data_and_the_design(page: Page, app_url, tmp_path):
    open_app(page, app_url)
    upload(page, penguins(tmp_path))
    before = data_controls(page)
    assert before["dataset"].startswith("penguins.csv")
    assert before["target"] == "species"  # a label-named column, said in a note
    expect(page.get_by_text("Predicting species").first).to_be_visible()
    assert shown(page, "Task") == "Detect automatically (Multiclass)"
    assert chips(page, "Feature columns") == PENGUIN_COLUMNS
    go(page, "2 · Model")
    assert input_count(page) == "9"  # 4 numbers + 3 islands + 2 sexes
    set_number(page, "units", 9)
    go(page, "1 · Data")
    after = data_controls(page)
    assert after["dataset"].startswith("penguins.csv") and after["target"] == "species"
    assert after["features"] == PENGUIN_COLUMNS
    assert metric(page, "Inputs after encoding") == "9"
    go(page, "2 · Model")
    assert input_count(page) == "9" and number(page, "units") == "9"
    expect(page.get_by_text("Dense(3, softmax)").first).to_be_visible()
    no_exceptions(page)


def test_upload_one_file_then_another_shows_the_second(page: Page, app_url, tmp_path):
    open_app(page, app_url)
    upload(page, penguins(tmp_path))
    upload(page, titanic(tmp_path))
    now = data_controls(page)
    assert now["dataset"].startswith("titanic.csv")
    assert now["target"] == "survived"  # a label-named column before the last one
    choose(page, "Target column", "embarked")
    choose(page, "Target column", "survived")
    now = data_controls(page)
    assert now["task"] == "Detect automatically (Binary)"
    # the id column is left out by default; the old target comes back as a feature
    assert now["features"] == ["pclass", "sex", "age", "fare", "embarked"]
    assert metric(page, "Task") == "Binary"
    expect(page.get_by_text("5 of 6 columns used as features")).to_be_visible()
    # both uploads stay in the workspace, listed in the dataset choice
    page.get_by_role("combobox", name="Dataset in use", exact=True).click()
    options = page.get_by_role("option").all_inner_texts()
    page.keyboard.press("Escape")
    assert any(o.startswith("penguins.csv") for o in options)
    assert any(o.startswith("titanic.csv") for o in options)
    no_exceptions(page)


def test_sample_upload_sample(page: Page, app_url, tmp_path):
    open_app(page, app_url)
    choose(page, "Dataset in use", "Restaurant tips")
    assert (shown(page, "Target column"), shown(page, "Task")) == (
        "tip", "Detect automatically (Regression)")
    assert chips(page, "Feature columns") == ["total_bill", "sex", "smoker", "day", "time",
                                              "size"]
    upload(page, penguins(tmp_path))
    assert shown(page, "Dataset in use").startswith("penguins.csv")
    assert shown(page, "Target column") == "species"
    choose(page, "Dataset in use", "Restaurant tips")
    assert shown(page, "Target column") == "tip"
    assert "species" not in chips(page, "Feature columns")
    go(page, "2 · Model")
    expect(page.get_by_text("Dense(1, linear)").first).to_be_visible()
    no_exceptions(page)


def test_changing_the_target_moves_task_and_features(page: Page, app_url):
    open_app(page, app_url)
    assert shown(page, "Target column") == "species"
    choose(page, "Target column", "petal width (cm)")
    assert shown(page, "Task") == "Detect automatically (Regression)"
    features = chips(page, "Feature columns")
    assert "petal width (cm)" not in features and "species" in features
    assert metric(page, "Task") == "Regression"
    choose(page, "Task", "Multiclass classification")
    assert shown(page, "Task") == "Multiclass classification"
    choose(page, "Target column", "species")  # a new target: the task is detected again
    assert shown(page, "Task") == "Detect automatically (Multiclass)"
    no_exceptions(page)


def test_learning_rate_edit_then_new_dataset_loss_follows(page: Page, app_url):
    open_app(page, app_url)
    go(page, "2 · Model")
    assert shown(page, "loss").startswith("sparse_categorical_crossentropy")
    set_number(page, "learning_rate", 0.01)
    go(page, "1 · Data")
    choose(page, "Dataset in use", "Diabetes progression")
    go(page, "2 · Model")
    assert shown(page, "loss").startswith("mean_squared_error")
    assert chips(page, "metrics") == ["mean_absolute_error"]
    assert number(page, "learning_rate") == "0.01000"  # the user's choice stays
    expect(page.get_by_text("The model is ready to train.")).to_be_visible()
    no_exceptions(page)


def test_reload_on_every_page_brings_everything_back(page: Page, app_url):
    open_app(page, app_url)
    choose(page, "Dataset in use", "Wine cultivars")
    group = page.locator("[data-testid='stRadioGroup'][aria-label='Feature scaling']")
    group.locator("label").nth(1).click()
    wait_idle(page)
    scaling = picked(page, "Feature scaling")
    assert scaling != "Standardise (mean 0, std 1)"
    go(page, "2 · Model")
    set_number(page, "units", 12)
    go(page, "3 · Train")
    set_number(page, "epochs", 7)
    link = page.url
    assert "w=" in link
    for path, read, expected in (
            ("train", lambda: number(page, "epochs"), "7"),
            ("model", lambda: number(page, "units"), "12"),
            ("", lambda: (shown(page, "Dataset in use")[:4], picked(page, "Feature scaling")),
             ("Wine", scaling))):
        page.goto(re.sub(r"/(train|model)?\?", f"/{path}?", link))
        page.wait_for_selector("h1", timeout=60_000)
        wait_idle(page)
        eventually(page, read, expected, what=f"after reloading /{path}")
        assert "Load data" not in page.inner_text("body")
    no_exceptions(page)


def test_a_second_tab_on_the_same_link_shares_the_work(page: Page, app_url):
    open_app(page, app_url)
    choose(page, "Dataset in use", "Breast cancer")
    link = page.url
    other = page.context.new_page()
    other.goto(link)
    other.wait_for_selector("h1", timeout=60_000)
    wait_idle(other)
    assert shown(other, "Dataset in use").startswith("Breast cancer")
    assert shown(other, "Target column") == "diagnosis"
    choose(other, "Dataset in use", "Handwritten digits")
    go(page, "2 · Model")  # the first tab's next run reads the change
    go(page, "1 · Data")
    assert shown(page, "Dataset in use").startswith("Handwritten digits")
    assert shown(page, "Target column") == "digit"
    no_exceptions(page)
    no_exceptions(other)


def test_a_bare_url_starts_a_fresh_workspace(page: Page, app_url, tmp_path):
    open_app(page, app_url)
    upload(page, penguins(tmp_path))
    first = page.url
    fresh = page.context.new_page()
    open_app(fresh, app_url)
    assert fresh.url != first and "w=" in fresh.url
    assert shown(fresh, "Dataset in use") == "Iris flowers · sample"
    fresh.get_by_role("combobox", name="Dataset in use", exact=True).click()
    options = fresh.get_by_role("option").all_inner_texts()
    assert not any("penguins" in o for o in options)  # the other workspace's file is not here


def test_an_unknown_link_offers_a_fresh_workspace(page: Page, app_url):
    made_up = "A" * 32
    page.goto(f"{app_url}/?w={made_up}")
    expect(page.get_by_text("This workspace does not exist")).to_be_visible(timeout=60_000)
    page.get_by_role("button", name="Start a fresh workspace").click()
    expect(page.get_by_role("heading", name="1 · Data")).to_be_visible(timeout=60_000)
    wait_idle(page)
    assert "w=" in page.url and made_up not in page.url
    assert shown(page, "Dataset in use") == "Iris flowers · sample"


def test_start_over_empties_the_workspace(page: Page, app_url, tmp_path):
    open_app(page, app_url)
    upload(page, penguins(tmp_path))
    link = page.url
    page.get_by_role("button", name="Start over").click()
    page.get_by_role("button", name="Yes, empty the workspace").click()
    wait_idle(page)
    assert shown(page, "Dataset in use") == "Iris flowers · sample"
    assert page.url == link  # the same link
    page.get_by_role("combobox", name="Dataset in use", exact=True).click()
    assert not any("penguins" in o for o in page.get_by_role("option").all_inner_texts())


def test_a_model_file_on_the_data_uploader_is_named(page: Page, app_url, tmp_path):
    open_app(page, app_url)
    model = tmp_path / "model.keras"
    model.write_bytes(b"PK\x03\x04 not really a model")
    upload(page, model)
    expect(page.get_by_text("model.keras is a Keras model", exact=False)).to_be_visible()
    expect(page.get_by_text("CSV, TSV or TXT", exact=False)).to_be_visible()
    assert shown(page, "Dataset in use") == "Iris flowers · sample"


def test_layer_buttons_have_accessible_names(page: Page, app_url):
    open_app(page, app_url)
    go(page, "2 · Model")
    for name in ("Move layer 2 up", "Move layer 2 down", "Duplicate layer 2",
                 "Remove layer 2"):
        expect(page.get_by_role("button", name=name)).to_have_count(1)
    page.get_by_role("button", name="Duplicate layer 1").click()
    wait_idle(page)
    expect(page.get_by_role("button", name="Remove layer 4")).to_have_count(1)


def test_a_bare_link_to_a_later_page_opens_on_the_sample(page: Page, app_url):
    """A bookmark of /train without a workspace: a fresh one on Iris, ready to train."""
    open_app(page, app_url, "train")
    assert "w=" in page.url
    expect(page.get_by_role("button", name="Train", exact=True)).to_be_enabled()
    assert number(page, "epochs") == "200"  # recommended for 120 rows (SIZE_RULES), shown
    go(page, "2 · Model")
    assert input_count(page) == "4"
    expect(page.get_by_text("The model is ready to train.")).to_be_visible()
    no_exceptions(page)
