"""download_url against a local HTTP server: retries, mirrors, resume, checksum, atomic rename."""

from __future__ import annotations

import hashlib

import pytest

from ember.data import DatasetError
from ember.data.download import download_url, md5sum

BODY = bytes(range(256)) * 400  # 100 KiB
BODY_MD5 = hashlib.md5(BODY).hexdigest()


def _download(urls, dest, md5=BODY_MD5, **kwargs):
    return download_url(urls, dest, md5, retry_delay=0.01, **kwargs)


def test_good_file(http_server, tmp_path):
    http_server.files["/f.gz"] = BODY
    dest = _download([http_server.url("/f.gz")], tmp_path / "sub" / "f.gz")
    assert dest.read_bytes() == BODY
    assert md5sum(dest) == BODY_MD5
    assert sorted(p.name for p in dest.parent.iterdir()) == ["f.gz"]  # no .part left behind


def test_retries_after_server_errors(http_server, tmp_path):
    http_server.files["/f"] = BODY
    http_server.plans["/f"] = ["fail", "fail"]
    dest = _download([http_server.url("/f")], tmp_path / "f", retries=3)
    assert dest.read_bytes() == BODY
    assert len(http_server.requests) == 3


def test_gives_up_after_retries(http_server, tmp_path):
    http_server.files["/f"] = BODY
    http_server.plans["/f"] = ["fail"] * 5
    with pytest.raises(DatasetError, match="HTTP 503") as info:
        _download([http_server.url("/f")], tmp_path / "f", retries=2)
    assert len(http_server.requests) == 2
    assert str(info.value).startswith(
        f"could not download f (no internet?); copy it into {tmp_path} yourself (tried: ")
    assert info.value.failures == f"{http_server.url('/f')}: HTTP 503 Service Unavailable (2 tries)"
    assert not (tmp_path / "f").exists()


def test_dead_mirror_then_good_one(http_server, dead_url, tmp_path):
    http_server.files["/f"] = BODY
    dest = _download([dead_url + "f", http_server.url("/f")], tmp_path / "f", retries=2)
    assert dest.read_bytes() == BODY


def test_missing_file_moves_on_without_retrying(http_server, tmp_path):
    http_server.files["/good/f"] = BODY
    dest = _download([http_server.url("/gone/f"), http_server.url("/good/f")], tmp_path / "f")
    assert dest.read_bytes() == BODY
    assert [path for path, _ in http_server.requests] == ["/gone/f", "/good/f"]


def test_resumes_a_dropped_connection_with_range(http_server, tmp_path):
    http_server.files["/f"] = BODY
    http_server.plans["/f"] = ["drop"]
    dest = _download([http_server.url("/f")], tmp_path / "f")
    assert dest.read_bytes() == BODY
    (first, first_range), (second, second_range) = http_server.requests
    assert first_range is None
    assert second_range == f"bytes={len(BODY) // 2}-"


def test_resumes_a_part_file_left_by_an_earlier_run(http_server, tmp_path):
    http_server.files["/f"] = BODY
    (tmp_path / "f.part").write_bytes(BODY[:1000])
    dest = _download([http_server.url("/f")], tmp_path / "f")
    assert dest.read_bytes() == BODY
    assert http_server.requests == [("/f", "bytes=1000-")]


def test_complete_part_file_is_verified_and_kept(http_server, tmp_path):
    http_server.files["/f"] = BODY
    (tmp_path / "f.part").write_bytes(BODY)  # server answers 416: nothing left to send
    assert _download([http_server.url("/f")], tmp_path / "f").read_bytes() == BODY


def test_stale_part_file_is_discarded_and_refetched(http_server, tmp_path):
    http_server.files["/f"] = BODY
    (tmp_path / "f.part").write_bytes(b"x" * 1000)  # not a prefix of BODY
    dest = _download([http_server.url("/f")], tmp_path / "f")
    assert dest.read_bytes() == BODY
    assert [r for _, r in http_server.requests] == ["bytes=1000-", None]


def test_corrupted_mirror_then_good_one(http_server, tmp_path):
    corrupted = bytearray(BODY)
    corrupted[500] ^= 0xFF
    http_server.files["/bad/f"] = bytes(corrupted)
    http_server.files["/good/f"] = BODY
    urls = [http_server.url("/bad/f"), http_server.url("/good/f")]
    assert _download(urls, tmp_path / "f").read_bytes() == BODY


@pytest.mark.parametrize("served", [BODY[:-100], bytes(len(BODY))], ids=["truncated", "zeroed"])
def test_bad_file_never_gets_the_final_name(http_server, tmp_path, served):
    http_server.files["/f"] = served
    with pytest.raises(DatasetError, match="MD5 checksum mismatch"):
        _download([http_server.url("/f")], tmp_path / "f")
    assert list(tmp_path.iterdir()) == []


def test_without_checksum_accepts_what_arrives(http_server, tmp_path):
    http_server.files["/f"] = b"abc"
    assert download_url([http_server.url("/f")], tmp_path / "f").read_bytes() == b"abc"


def test_backoff_doubles_between_tries(http_server, tmp_path, monkeypatch):
    delays = []
    monkeypatch.setattr("ember.data.download.time.sleep", delays.append)
    http_server.files["/f"] = BODY
    http_server.plans["/f"] = ["fail", "fail", "fail"]
    download_url([http_server.url("/f")], tmp_path / "f", BODY_MD5, retries=4, retry_delay=0.5)
    assert delays == [0.5, 1.0, 2.0]
