provider "aws" {
  region     = "eu-west-1"
  access_key = "AKIA{{rand:b32:16}}"
  secret_key = "{{rand:b64:40}}"
}

variable "db_password" {
  type    = string
  default = "{{rand:alnum:20}}"
}

resource "aws_db_instance" "shop" {
  identifier        = "shop"
  engine            = "postgres"
  instance_class    = "db.t3.micro"
  allocated_storage = 20
  username          = "shop_admin"
  password          = var.db_password
}
