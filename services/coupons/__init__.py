"""Coupons: created by staff, claimed by users, redeemed on orders."""
