ALTER TABLE products
    DROP CONSTRAINT IF EXISTS chk_products_stock_non_negative,
    DROP COLUMN IF EXISTS stock;
