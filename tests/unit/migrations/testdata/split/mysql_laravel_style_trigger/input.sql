-- 2024_05_01_120000_create_order_audits: the SQL a Laravel migration sends through DB::unprepared,
-- one call per statement, no DELIMITER.
CREATE TABLE `order_audits` (
  `id` bigint unsigned NOT NULL AUTO_INCREMENT,
  `order_id` bigint unsigned NOT NULL,
  `change` varchar(255) COLLATE utf8mb4_unicode_ci NOT NULL,
  `created_at` timestamp NULL DEFAULT NULL,
  PRIMARY KEY (`id`),
  KEY `order_audits_order_id_index` (`order_id`),
  CONSTRAINT `order_audits_order_id_foreign` FOREIGN KEY (`order_id`) REFERENCES `orders` (`id`) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

DROP TRIGGER IF EXISTS `orders_after_update`;

CREATE TRIGGER `orders_after_update` AFTER UPDATE ON `orders`
FOR EACH ROW
BEGIN
    DECLARE note VARCHAR(255) DEFAULT '';
    IF OLD.status <> NEW.status THEN
        SET note = CONCAT('status: ', OLD.status, ' -> ', NEW.status, ';');
    ELSEIF OLD.total <> NEW.total THEN
        SET note = CONCAT('total: ', OLD.total, ' -> ', NEW.total);
    END IF;
    IF note <> '' THEN
        INSERT INTO `order_audits` (`order_id`, `change`, `created_at`) VALUES (NEW.id, note, NOW());
    END IF;
END;

CREATE TRIGGER orders_before_insert BEFORE INSERT ON orders FOR EACH ROW SET NEW.created_at = IFNULL(NEW.created_at, NOW());

INSERT INTO `migrations` (`migration`, `batch`) VALUES ('2024_05_01_120000_create_order_audits', 3);
