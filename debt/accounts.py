"""Reading an account with everything that happened to it (the API and the console use this)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from debt.masking import mask_contact_point
from debt.models import (
    Account,
    Arrangement,
    Consent,
    ContactPoint,
    Conversation,
    ConversationFlagRow,
    Creditor,
    Debtor,
    Dispute,
    HardshipCase,
    Instalment,
    PromiseToPay,
)


class AccountNotFound(LookupError):
    pass


def get_account(session: Session, account_ref: str) -> Account:
    account = session.exec(select(Account).where(Account.account_ref == account_ref)).first()
    if account is None:
        raise AccountNotFound(account_ref)
    return account


def account_view(session: Session, account_ref: str) -> dict[str, Any]:
    """The account as an advisor or an API client sees it: sensitive contact data masked."""
    account = get_account(session, account_ref)
    debtor = session.get(Debtor, account.debtor_id)
    creditor = session.get(Creditor, account.creditor_id)
    assert debtor is not None and creditor is not None
    points = session.exec(select(ContactPoint).where(ContactPoint.debtor_id == debtor.id)).all()
    arrangements = session.exec(select(Arrangement).where(Arrangement.account_id == account.id)).all()
    instalments = {
        a.id: session.exec(
            select(Instalment).where(Instalment.arrangement_id == a.id).order_by(Instalment.seq)
        ).all()
        for a in arrangements
    }
    flags = session.exec(
        select(ConversationFlagRow.flag)
        .join(Conversation, Conversation.id == ConversationFlagRow.conversation_id)
        .where(Conversation.account_id == account.id)
        .distinct()
    ).all()
    consents = session.exec(select(Consent).where(Consent.debtor_id == debtor.id)).all()

    def rows(model: type, *order: Any) -> list[dict[str, Any]]:
        found = session.exec(select(model).where(model.account_id == account.id).order_by(*order)).all()
        return [r.model_dump(exclude={"account_id"}) for r in found]

    return {
        "account_ref": account.account_ref,
        "creditor": creditor.name,
        "jurisdiction": account.jurisdiction,
        "product": account.product,
        "invoice_ref": account.invoice_ref,
        "currency": account.currency,
        "principal": account.principal,
        "interest": account.interest,
        "fees": account.fees,
        "fees_charged": account.fees_charged,
        "balance": account.balance,
        "due_date": account.due_date,
        "status": account.status,
        "status_until": account.status_until,
        "direct_debit_day": account.direct_debit_day,
        "flags": sorted(flags),
        "debtor": {
            "name": debtor.full_name,
            "language": debtor.language,
            "country": debtor.country,
        },
        "contact_points": [
            {
                "kind": p.kind,
                "value": mask_contact_point(p),
                "valid": p.valid,
                "invalid_reason": p.invalid_reason,
            }
            for p in points
        ],
        "arrangements": [
            {
                **a.model_dump(exclude={"account_id"}),
                "instalments": [i.model_dump(exclude={"arrangement_id", "id"}) for i in instalments[a.id]],
            }
            for a in arrangements
        ],
        "promises": rows(PromiseToPay, PromiseToPay.promised_date),
        "disputes": rows(Dispute, Dispute.opened_at),
        "hardship_cases": rows(HardshipCase, HardshipCase.created_at),
        "opt_outs": [c.channel for c in consents if c.status == "opted_out"],
    }
