"""bench/machine.py: the machine's Python speed written beside every benchmark figure."""

from bench import machine


def test_python_speed_is_the_median_cpu_time_of_the_fixed_workload(monkeypatch):
    clock = iter([0.0, 0.030, 1.0, 1.010, 2.0, 2.020, 3.0, 3.050, 4.0, 4.040])
    monkeypatch.setattr(machine.time, "process_time", lambda: next(clock))
    speed = machine.python_speed()
    # Runs of 30, 10, 20, 50 and 40 ms: the median is 30.
    assert speed["value"] == 30.0
    assert speed["unit"].startswith("ms of CPU")


def test_the_workload_does_the_same_work_every_time():
    assert machine._workload() == machine._workload() > 0
