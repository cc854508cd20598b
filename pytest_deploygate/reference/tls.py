"""A throwaway certificate authority for serving the reference platform over https.

``launch_options = { tls = true }`` (and the repository's own tests) serve the platform with a
server certificate for 127.0.0.1 and localhost, signed by a CA made for that one run and trusted
by nothing else: the session is given the CA's file as if ``[platform] ca_bundle`` named it, the
way a platform behind a private CA is tested.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

#: The names the server certificate is valid for: where LiveServer listens.
HOSTS = ("127.0.0.1", "localhost")


@dataclass(frozen=True)
class LocalTLS:
    """PEM files in one folder: the CA to trust, the server's certificate chain and its key."""

    ca_bundle: Path
    certfile: Path
    keyfile: Path


def local_tls(folder: Path) -> LocalTLS:
    """Make a new CA and a server certificate for ``HOSTS`` in ``folder`` (which must exist).

    Raises RuntimeError, naming the extra, when trustme is not installed.
    """
    try:
        import trustme
    except ImportError:
        raise RuntimeError(
            "serving the reference platform over https (launch_options.tls) needs trustme: "
            'pip install "pytest-deploygate[reference]"'
        ) from None
    authority = trustme.CA(organization_name="pytest-deploygate throwaway CA")
    server = authority.issue_cert(*HOSTS)
    files = LocalTLS(folder / "ca.pem", folder / "server.pem", folder / "server.key")
    authority.cert_pem.write_to_path(str(files.ca_bundle))
    server.private_key_pem.write_to_path(str(files.keyfile))
    with files.certfile.open("wb") as chain:
        for blob in server.cert_chain_pems:
            chain.write(blob.bytes())
    files.keyfile.chmod(0o600)
    return files
