"""PPO through the bindings: a short run on the tiny GPT-2 summariser with a Python
callback per step, refusals of bad settings, and a callback that stops the run."""

import json

import pytest

import ragppo


def settings(fixtures, shared_data, out, **more):
    s = dict(model=str(fixtures / "ppo_tiny_lm"),
             dataset=str(shared_data / "cnn_dailymail" / "cnn_dailymail_validation.csv"),
             out_dir=str(out), steps=2, batch_size=2, mini_batch_size=2, ppo_epochs=1, query_max_tokens=32,
             max_new_tokens=6, limit=12, eval_samples=2, plots=False, n_threads=1, seed=3)
    s.update(more)
    return s


def test_run_with_a_callback_per_step(fixtures, shared_data, tmp_path):
    steps = []
    r = ragppo.ppo(on_step=lambda step, stats: steps.append((step, stats)),
                   **settings(fixtures, shared_data, tmp_path / "run"))
    assert r["steps_done"] == 2 and r["train_articles"] == 10 and r["eval_articles"] == 2
    assert r["eval_before"] >= 0 and r["eval_after"] >= 0
    assert [s for s, _ in steps] == [0, 1]
    assert [stats["env/reward_mean"] for _, stats in steps] == r["step_rewards"]
    assert {"objective/kl", "ppo/loss/total", "time/step"} <= set(steps[0][1])
    lines = (tmp_path / "run" / "stats.jsonl").read_text().splitlines()
    assert [json.loads(line)["env/reward_mean"] for line in lines] == r["step_rewards"]
    assert (tmp_path / "run" / "model" / "config.json").exists()


def test_unknown_or_mistyped_settings_are_refused(fixtures, shared_data, tmp_path):
    with pytest.raises(TypeError, match="unknown setting 'stepz'"):
        ragppo.ppo(**settings(fixtures, shared_data, tmp_path / "a", stepz=3))
    with pytest.raises(TypeError, match="steps has the wrong type"):
        ragppo.ppo(**settings(fixtures, shared_data, tmp_path / "b", steps="many"))
    with pytest.raises(ragppo.Error, match=r"^batch_size 3 must be a multiple of mini_batch_size \d+$"):
        ragppo.ppo(**settings(fixtures, shared_data, tmp_path / "c", batch_size=3))
    assert not (tmp_path / "c" / "stats.jsonl").exists()
    assert "lora_r" in ragppo.ppo_settings()


def test_a_raising_callback_stops_the_run_and_resume_continues(fixtures, shared_data, tmp_path):
    calls = []

    def stop_after_first(step, stats):
        calls.append(step)
        raise KeyboardInterrupt

    s = settings(fixtures, shared_data, tmp_path / "run", steps=3, save_every=1, export_model=False)
    with pytest.raises(KeyboardInterrupt):
        ragppo.ppo(on_step=stop_after_first, **s)
    assert calls == [0]
    r = ragppo.ppo(**dict(s, resume=True))
    assert r["first_step"] == 1 and r["steps_done"] == 3
