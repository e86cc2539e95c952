"""/roles and /keys: secrets go in, names come out; masked values kept on PUT; rotation
and re-encryption keep every role readable."""

from __future__ import annotations

import httpx

ROLE = {
    "name": "etl", "description": "nightly",
    "jdbc": {"pg": {"url": "jdbc:postgresql://db/sales", "user": "etl", "password": "PgS3cret"}},
    "hadoop_conf": {"fs.s3a.secret.key": "S3S3cret"}, "env": {"API_KEY": "EnvS3cret"},
}  # fmt: skip
SECRETS = ("PgS3cret", "S3S3cret", "EnvS3cret")


def test_roles_round_trip_showing_names_only(client: httpx.Client) -> None:
    created = client.post("/roles", json=ROLE)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["jdbc"] == {"pg": {"url": "jdbc:postgresql://db/sales", "user": "etl",
                                   "password": "****"}}  # fmt: skip
    assert body["hadoop_conf"] == {"fs.s3a.secret.key": "****"}
    assert body["env"] == {"API_KEY": "****"}
    assert client.post("/roles", json=ROLE).status_code == 409
    shown = client.get("/roles/etl").text + client.get("/roles").text
    assert not [s for s in SECRETS if s in shown]
    back = {**client.get("/roles/etl").json(), "env": {"API_KEY": "****", "MORE": "x"}}
    del back["created_on"], back["last_modified_on"]
    updated = client.put("/roles/etl", json=back)
    assert updated.status_code == 200, updated.text
    assert updated.json()["env"] == {"API_KEY": "****", "MORE": "****"}
    assert client.delete("/roles/etl").status_code == 204
    missing = client.get("/roles/etl")
    assert missing.status_code == 404 and missing.json()["field"] == "role"


def test_a_new_role_must_not_carry_the_mask(client: httpx.Client) -> None:
    sent = {**ROLE, "env": {"API_KEY": "****"}}
    refused = client.post("/roles", json=sent)
    assert refused.status_code == 400 and refused.json()["field"] == "env.API_KEY"


def test_rotate_and_reencrypt_keep_roles_readable(client: httpx.Client) -> None:
    assert client.post("/roles", json=ROLE).status_code == 201
    assert client.get("/keys").json()["keys"] == [
        {"id": "k1", "primary": True, "used_by": ["roles"]}]
    assert client.post("/keys/rotate").json() == {"key_id": "k2"}
    keys = client.get("/keys").json()["keys"]
    assert [(k["id"], k["primary"], k["used_by"]) for k in keys] == [
        ("k1", False, ["roles"]), ("k2", True, [])]
    assert client.get("/roles/etl").status_code == 200
    done = client.post("/keys/reencrypt").json()
    assert done == {"rewritten": {"roles": 1}, "retired": ["k1"]}
    assert client.get("/keys").json()["keys"] == [
        {"id": "k2", "primary": True, "used_by": ["roles"]}]
    assert client.get("/roles/etl").json()["jdbc"]["pg"]["password"] == "****"
