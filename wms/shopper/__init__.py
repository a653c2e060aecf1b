"""The shopper's side: delivery-date estimates wired to orders and carrier events, the branded tracking page,
the self-service return portal, delivery claims, orders from the brand's Shopify store, and after-delivery
messages (review requests, replenishment reminders) with an unsubscribe link."""
