"""A strict Cognito stand-in: the user-pool calls answered as the real service does.

The emulator (moto) is lenient: it merges or keeps what Cognito resets, accepts
what Cognito refuses, and knows nothing of passkeys, email MFA or the sign-in
policy. For the pools it holds, this stand-in answers DescribeUserPool,
UpdateUserPool, GetUserPoolMfaConfig and SetUserPoolMfaConfig the way public
measurements of the live service (2025-2026) say Cognito does:

- UpdateUserPool resets every member it is not sent, except those Cognito
  keeps when omitted (``MfaConfiguration``, ``Policies`` and each policy in
  it, ``UserAttributeUpdateSettings``, ``UserPoolTier``, the name) and
  ``SmsConfiguration``, which an existing pool never loses;
- SetUserPoolMfaConfig replaces the whole MFA and passkey setup;
- requests that break the service's rules are refused whole, with the
  service's error codes, and change nothing;
- for the app clients of a held pool (``add_client``): UpdateUserPoolClient
  resets every member it is not sent (callback URLs, OAuth flows, scopes and
  providers included), reads a validity without its unit in the default unit
  (hours; days for refresh tokens) and refuses what breaks the client rules.

It is written independently of the gateway's ``core/`` (its own small rules,
no imports from ``gateway.core``), so the two check each other. The fault
proxy puts it in front of the emulator (``FaultProxy.stand_in``); its logic is
plain Python, so property tests can drive it directly too.
"""

from __future__ import annotations

import copy
import threading
import time
from typing import Any

from gateway import model

KEPT_WHEN_OMITTED = ("MfaConfiguration", "UserAttributeUpdateSettings", "UserPoolTier")
READ_BACK_WHEN_RESET = {"DeletionProtection": "INACTIVE"}
FACTORS = ("SmsMfaConfiguration", "SoftwareTokenMfaConfiguration", "EmailMfaConfiguration")
OPERATIONS = (
    "DescribeUserPool",
    "UpdateUserPool",
    "GetUserPoolMfaConfig",
    "SetUserPoolMfaConfig",
    "ListUserPoolReplicas",
    "DescribeUserPoolClient",
    "UpdateUserPoolClient",
    "CreateUserPoolClient",
    "ListUserPoolClients",
    "CreateUserPoolDomain",
)
CLIENT_READ_ONLY = ("UserPoolId", "ClientId", "ClientSecret", "CreationDate", "LastModifiedDate")
# What a client is read back with when an update does not send it (the service's defaults).
CLIENT_DEFAULTS: dict[str, Any] = {
    "RefreshTokenValidity": 30,
    "AllowedOAuthFlowsUserPoolClient": False,
    "EnableTokenRevocation": True,
    "EnablePropagateAdditionalUserContextData": False,
    "AuthSessionValidity": 3,
}
TOKEN_RANGES = {  # validity member: (unit key, default unit, shortest, longest) in seconds
    "AccessTokenValidity": ("AccessToken", "hours", 300, 86400),
    "IdTokenValidity": ("IdToken", "hours", 300, 86400),
    "RefreshTokenValidity": ("RefreshToken", "days", 3600, 315360000),
}
SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
# What a replica in a secondary Region may change (Cognito multi-Region user pools).
SECONDARY_WRITABLE = ("EmailConfiguration", "SmsConfiguration", "LambdaConfig", "UserPoolTags")


class Refused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _invalid(message: str) -> Refused:
    return Refused("InvalidParameterException", message)


def _on(block: Any) -> bool:
    return isinstance(block, dict) and bool(block) and block.get("Enabled") is not False


class StrictCognito:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pools: dict[str, dict[str, Any]] = {}
        self._mfa: dict[str, dict[str, Any]] = {}
        self._replicas: dict[str, list[dict[str, Any]]] = {}
        self._clients: dict[str, dict[str, dict[str, Any]]] = {}
        self.calls: list[str] = []

    # -- control ------------------------------------------------------------------------------

    def add(
        self,
        pool: dict[str, Any],
        mfa: dict[str, Any] | None = None,
        replicas: list[dict[str, Any]] | None = None,
    ) -> str:
        """Hold ``pool`` (a DescribeUserPool document), its MFA setup and its replicas
        (ListUserPoolReplicas entries); returns its id."""
        with self._lock:
            pool_id = str(pool["Id"])
            self._replicas[pool_id] = copy.deepcopy(replicas or [])
            self._pools[pool_id] = copy.deepcopy(pool)
            setup = copy.deepcopy(mfa or {})
            setup.setdefault("MfaConfiguration", pool.get("MfaConfiguration", "OFF"))
            self._mfa[pool_id] = setup
            self._pools[pool_id]["MfaConfiguration"] = setup["MfaConfiguration"]
            return pool_id

    def add_client(self, client: dict[str, Any]) -> str:
        """Hold ``client`` (a DescribeUserPoolClient document) of a held pool, with the
        members Cognito shows for every client (their defaults) where it has none."""
        with self._lock:
            self._clients.setdefault(str(client["UserPoolId"]), {})[str(client["ClientId"])] = {
                **CLIENT_DEFAULTS,
                **copy.deepcopy(client),
            }
            return str(client["ClientId"])

    def client(self, pool_id: str, client_id: str) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self._clients[pool_id][client_id])

    def holds(self, pool_id: str) -> bool:
        with self._lock:
            return pool_id in self._pools

    def pool(self, pool_id: str) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self._pools[pool_id])

    def mfa(self, pool_id: str) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self._mfa[pool_id])

    def clear(self) -> None:
        with self._lock:
            self._pools.clear()
            self._mfa.clear()
            self._clients.clear()
            self.calls.clear()

    # -- the service --------------------------------------------------------------------------

    def handle(self, operation: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        """The answer (status, JSON body) for a call on a held pool; None: not ours."""
        pool_id = str(body.get("UserPoolId", ""))
        if operation not in OPERATIONS or not self.holds(pool_id):
            return None
        with self._lock:
            self.calls.append(operation)
            try:
                return 200, getattr(self, "_" + operation)(pool_id, body)
            except Refused as refused:
                return 400, {"__type": refused.code, "message": refused.message}

    # -- app clients ----------------------------------------------------------------------------

    def _held_client(self, pool_id: str, body: dict[str, Any]) -> dict[str, Any]:
        client = self._clients.get(pool_id, {}).get(str(body.get("ClientId")))
        if client is None:
            raise Refused("ResourceNotFoundException", "User pool client does not exist.")
        return client

    def _CreateUserPoolDomain(self, pool_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """The pool's hosted domain (a prefix here); DescribeUserPool shows it as Domain."""
        self._pools[pool_id]["Domain"] = str(body["Domain"])
        return {}

    def _DescribeUserPoolClient(self, pool_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return {"UserPoolClient": copy.deepcopy(self._held_client(pool_id, body))}

    def _ListUserPoolClients(self, pool_id: str, body: dict[str, Any]) -> dict[str, Any]:
        clients = sorted(self._clients.get(pool_id, {}).values(), key=lambda c: c["ClientId"])
        start = int(body.get("NextToken") or 0)
        size = int(body.get("MaxResults", 60))
        page = clients[start : start + size]
        answer: dict[str, Any] = {
            "UserPoolClients": [
                {k: c[k] for k in ("ClientId", "UserPoolId", "ClientName") if k in c} for c in page
            ]
        }
        if start + size < len(clients):
            answer["NextToken"] = str(start + size)
        return answer

    def _CreateUserPoolClient(self, pool_id: str, body: dict[str, Any]) -> dict[str, Any]:
        request = {k: v for k, v in body.items() if k not in ("UserPoolId", "GenerateSecret")}
        client_id = f"strict{len(self._clients.get(pool_id, {})) + 1:020d}"
        held = {"UserPoolId": pool_id, "ClientId": client_id}
        if body.get("GenerateSecret") or "ClientSecret" in request:
            held["ClientSecret"] = request.pop("ClientSecret", f"secret-of-{client_id}")
        after = self._client_after(held, request)
        self._clients.setdefault(pool_id, {})[client_id] = after
        return {"UserPoolClient": copy.deepcopy(after)}

    def _UpdateUserPoolClient(self, pool_id: str, body: dict[str, Any]) -> dict[str, Any]:
        client = self._held_client(pool_id, body)
        request = {k: v for k, v in body.items() if k not in ("UserPoolId", "ClientId")}
        unknown = set(request) - set(model.input_shape("UpdateUserPoolClient").members)
        if unknown:
            raise Refused("SerializationException", f"Unknown members {sorted(unknown)}")
        after = self._client_after(client, request)
        self._clients[pool_id][str(client["ClientId"])] = after
        return {"UserPoolClient": copy.deepcopy(after)}

    def _client_after(self, client: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
        """Everything not sent is reset: only the read-only members survive."""
        for member, value in request.items():
            if isinstance(value, list) and not value:
                raise _invalid(
                    f"1 validation error detected: Value '[]' at '{member[0].lower()}"
                    f"{member[1:]}' failed to satisfy constraint"
                )
        kept = {k: v for k, v in client.items() if k in CLIENT_READ_ONLY}
        after = {**kept, **CLIENT_DEFAULTS, **copy.deepcopy(request)}
        units = dict(after.get("TokenValidityUnits") or {})
        for member, (key, default, shortest, longest) in TOKEN_RANGES.items():
            if member in request:
                units.setdefault(key, default)
                seconds = int(request[member]) * SECONDS[units[key]]
                if request[member] and not shortest <= seconds <= longest:
                    raise _invalid("Invalid range for token validity.")
        if units:
            after["TokenValidityUnits"] = units
        flows = after.get("AllowedOAuthFlows") or []
        if (flows or after.get("AllowedOAuthScopes")) and not after[
            "AllowedOAuthFlowsUserPoolClient"
        ]:
            raise _invalid("OAuth flows and scopes need AllowedOAuthFlowsUserPoolClient.")
        if set(flows) & {"code", "implicit"} and not after.get("CallbackURLs"):
            raise Refused(
                "InvalidOAuthFlowException",
                "CallbackUrls can not be empty when code flow or implicit flow is selected.",
            )
        if "client_credentials" in flows and (len(flows) > 1 or "ClientSecret" not in after):
            raise Refused(
                "InvalidOAuthFlowException",
                "client_credentials flow can not be selected if client does not have a "
                "client secret or with other flows.",
            )
        default = after.get("DefaultRedirectURI")
        if default is not None and default not in (after.get("CallbackURLs") or []):
            raise _invalid("DefaultRedirectURI must be one of the CallbackURLs.")
        after["LastModifiedDate"] = time.time()
        return after

    def _DescribeUserPool(self, pool_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return {"UserPool": copy.deepcopy(self._pools[pool_id])}

    def _ListUserPoolReplicas(self, pool_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return {"UserPoolReplicas": copy.deepcopy(self._replicas[pool_id])}

    def _GetUserPoolMfaConfig(self, pool_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return copy.deepcopy(self._mfa[pool_id])

    def _SetUserPoolMfaConfig(self, pool_id: str, body: dict[str, Any]) -> dict[str, Any]:
        setup = {k: v for k, v in body.items() if k != "UserPoolId"}
        mode = setup.setdefault("MfaConfiguration", "OFF")
        pool = self._pools[pool_id]
        enabled = [f for f in FACTORS if _on(setup.get(f))]
        if mode == "OFF" and enabled:
            raise _invalid(f"{enabled[0]} cannot be enabled when MfaConfiguration is OFF")
        if mode != "OFF" and not enabled:
            raise _invalid("At least one MFA method must be enabled when MFA is ON or OPTIONAL")
        email = pool.get("EmailConfiguration") or {}
        if _on(setup.get("EmailMfaConfiguration")) and email.get("EmailSendingAccount") != (
            "DEVELOPER"
        ):
            raise _invalid("Email MFA requires EmailSendingAccount to be DEVELOPER")
        self._check_sign_in(pool, mode, setup)
        self._mfa[pool_id] = setup  # replaces the whole setup: what it is not sent is gone
        pool["MfaConfiguration"] = mode
        return copy.deepcopy(setup)

    def _UpdateUserPool(self, pool_id: str, body: dict[str, Any]) -> dict[str, Any]:
        pool = self._pools[pool_id]
        request = {k: v for k, v in body.items() if k != "UserPoolId"}
        unknown = set(request) - model.update_members()
        if unknown:
            raise Refused("SerializationException", f"Unknown members {sorted(unknown)}")
        if self._secondary(pool_id):
            changed = [m for m in request if request[m] != pool.get(m, None)]
            refused = sorted(set(changed) - set(SECONDARY_WRITABLE) - {"PoolName"})
            if refused:
                raise _invalid(f"{refused[0]} cannot be updated in a secondary region replica")
        after = self._apply(pool, request)
        self._check(pool, after, request)
        after["LastModifiedDate"] = time.time()
        self._pools[pool_id] = after
        return {}

    # -- what UpdateUserPool does with what it is (not) sent ----------------------------------

    def _apply(self, pool: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
        writable = model.update_members()
        after = {k: v for k, v in pool.items() if k not in writable and k != "Name"}
        after["Name"] = request.get("PoolName", pool.get("Name"))
        for member in writable - {"PoolName"}:
            if member in request:
                after[member] = copy.deepcopy(request[member])
            elif member in KEPT_WHEN_OMITTED or member == "SmsConfiguration":
                if member in pool:
                    after[member] = copy.deepcopy(pool[member])
            elif member in READ_BACK_WHEN_RESET and member in pool:
                after[member] = READ_BACK_WHEN_RESET[member]
        policies = dict(pool.get("Policies") or {})
        policies.update(request.get("Policies") or {})  # each policy is kept when omitted
        if policies:
            after["Policies"] = copy.deepcopy(policies)
        return after

    # -- the service's rules ------------------------------------------------------------------

    def _check(self, pool: dict[str, Any], after: dict[str, Any], request: dict[str, Any]) -> None:
        password = (after.get("Policies") or {}).get("PasswordPolicy") or {}
        admin = after.get("AdminCreateUserConfig") or {}
        if "TemporaryPasswordValidityDays" in password and "UnusedAccountValidityDays" in admin:
            raise _invalid(
                "Please use TemporaryPasswordValidityDays in PasswordPolicy instead of "
                "UnusedAccountValidityDays"
            )
        required = (after.get("UserAttributeUpdateSettings") or {}).get(
            "AttributesRequireVerificationBeforeUpdate"
        ) or []
        if set(required) - set(after.get("AutoVerifiedAttributes") or []):
            raise _invalid(
                "Invalid user attribute update settings: attributes that require verification "
                "before update must be auto-verified"
            )
        email = after.get("EmailConfiguration") or {}
        account = email.get("EmailSendingAccount", "COGNITO_DEFAULT")
        if email.get("From") and account != "DEVELOPER":
            raise _invalid("From can only be specified with EmailSendingAccount DEVELOPER")
        if account == "DEVELOPER" and not email.get("SourceArn"):
            raise _invalid("SourceArn is required when EmailSendingAccount is DEVELOPER")
        self._check_tier(pool, after)
        self._check_sign_in(after, self._mfa_mode(pool), None)

    def _secondary(self, pool_id: str) -> bool:
        region = pool_id.partition("_")[0]
        return any(
            r.get("RegionName") == region and r.get("Role") == "SECONDARY"
            for r in self._replicas.get(pool_id, [])
        )

    def _mfa_mode(self, pool: dict[str, Any]) -> str:
        return str(self._mfa.get(str(pool.get("Id")), {}).get("MfaConfiguration", "OFF"))

    def _check_sign_in(self, pool: dict[str, Any], mode: str, setup: dict[str, Any] | None) -> None:
        factors = ((pool.get("Policies") or {}).get("SignInPolicy") or {}).get(
            "AllowedFirstAuthFactors"
        )
        if factors is None:
            return
        if "PASSWORD" not in factors:
            raise _invalid("AllowedFirstAuthFactors must include PASSWORD")
        if mode == "ON" and set(factors) - {"PASSWORD", "WEB_AUTHN"}:
            raise _invalid("MFA cannot be required when users can sign in with a one-time password")
        passkeys = (setup if setup is not None else self._mfa.get(str(pool["Id"]), {})).get(
            "WebAuthnConfiguration"
        ) or {}
        wanted = "MULTI_FACTOR_WITH_USER_VERIFICATION"
        if (
            mode == "ON"
            and "WEB_AUTHN" in factors
            and passkeys.get("FactorConfiguration") != (wanted)
        ):
            raise _invalid(f"Passkey sign-in with MFA ON requires {wanted}")

    def _check_tier(self, pool: dict[str, Any], after: dict[str, Any]) -> None:
        tier = after.get("UserPoolTier")
        mode = (after.get("UserPoolAddOns") or {}).get("AdvancedSecurityMode", "OFF")
        had = (pool.get("UserPoolAddOns") or {}).get("AdvancedSecurityMode", "OFF") != "OFF"
        grandfathered = tier == "LITE" and pool.get("UserPoolTier") == "LITE" and had
        if mode != "OFF" and tier != "PLUS" and not grandfathered:
            raise Refused(
                "FeatureUnavailableInTierException", "Threat protection requires the Plus tier"
            )
        version = ((after.get("LambdaConfig") or {}).get("PreTokenGenerationConfig") or {}).get(
            "LambdaVersion"
        )
        if version in ("V2_0", "V3_0") and tier == "LITE":
            raise Refused(
                "FeatureUnavailableInTierException",
                "Access token customization requires the Essentials or Plus tier",
            )
